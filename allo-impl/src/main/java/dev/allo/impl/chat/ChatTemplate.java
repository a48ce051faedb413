package dev.allo.impl.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import dev.allo.AlloException;
import dev.allo.data.ChatMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's chat template: the Jinja template of a Hugging Face {@code tokenizer_config.json} ({@code chat_template}),
 * rendered by Jinjava with what {@code transformers}' {@code apply_chat_template} gives the template:
 *
 * <ul>
 *   <li>{@code messages}: the conversation, each message a map with {@code role} and {@code content};</li>
 *   <li>{@code add_generation_prompt}: whether to end with the header of the assistant's next turn;</li>
 *   <li>the special tokens of the configuration ({@code bos_token}, {@code eos_token}, {@code unk_token},
 *       {@code sep_token}, {@code pad_token}, {@code cls_token}, {@code mask_token} and the list
 *       {@code additional_special_tokens}), each a string or an {@code AddedToken} object whose {@code content} is
 *       used; a token that is {@code null} or absent is undefined in the template;</li>
 *   <li>extra variables given with {@link #withVariables(Map)} (for example {@code enable_thinking} or
 *       {@code date_string}), like {@code apply_chat_template}'s keyword arguments;</li>
 *   <li>{@code raise_exception}, {@code strftime_now} (from {@link #withClock(Clock)}, default the system clock) and
 *       the {@code tojson} filter; see {@link JinjaEnvironment} for the engine settings and {@link JinjaSource} for
 *       the Jinja2 constructs rewritten for Jinjava.</li>
 * </ul>
 *
 * <p>{@code tools} and {@code documents} are {@code None} unless given as variables, as in {@code apply_chat_template}.
 * Immutable and thread-safe.
 */
public final class ChatTemplate {

    /** The special-token attributes of a Hugging Face tokenizer, passed to the template when configured. */
    public static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");
    private static final String ADDITIONAL_SPECIAL_TOKENS = "additional_special_tokens";
    private static final String DEFAULT_NAME = "default";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String name;
    private final String source;
    private final String compiled;
    private final Map<String, Object> specialTokens;
    private final Map<String, Object> variables;
    private final Clock clock;
    private final Jinjava jinjava;

    private ChatTemplate(String name, String source, Map<String, Object> specialTokens, Map<String, Object> variables,
            Clock clock) {
        this.name = name;
        this.source = source;
        this.compiled = JinjaSource.rewrite(source);
        this.specialTokens = specialTokens;
        this.variables = variables;
        this.clock = clock;
        this.jinjava = JinjaEnvironment.create(clock);
        List<String> unknown = new ArrayList<>();
        for (String filter : JinjaSource.filterNames(compiled)) {
            if (jinjava.getGlobalContext().getFilter(filter) == null) {
                unknown.add(filter);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("chat template '" + name + "' uses filter(s) " + unknown
                    + " that the Jinjava engine does not have");
        }
    }

    /**
     * A template from its text and special tokens.
     *
     * @param name a label for error messages (for example the model or file it came from)
     * @param template the Jinja source
     * @param specialTokens token attribute to text, for example {@code bos_token -> <s>}; keys from
     *     {@link #SPECIAL_TOKENS} or {@code additional_special_tokens} (a list of strings)
     * @return the template
     * @throws IllegalArgumentException if the name is blank, the template empty, a key unknown, or the template uses
     *     a filter the engine does not have (Jinjava would render it as empty text)
     */
    public static ChatTemplate of(String name, String template, Map<String, ?> specialTokens) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(template, "template");
        if (name.isBlank()) {
            throw new IllegalArgumentException("chat template name must not be blank");
        }
        if (template.isEmpty()) {
            throw new IllegalArgumentException("chat template '" + name + "' is empty");
        }
        Map<String, Object> tokens = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : specialTokens.entrySet()) {
            if (!SPECIAL_TOKENS.contains(e.getKey()) && !ADDITIONAL_SPECIAL_TOKENS.equals(e.getKey())) {
                throw new IllegalArgumentException("chat template '" + name + "': unknown special token '" + e.getKey()
                        + "'; expected one of " + SPECIAL_TOKENS + " or " + ADDITIONAL_SPECIAL_TOKENS);
            }
            if (e.getValue() != null) {
                tokens.put(e.getKey(), e.getValue());
            }
        }
        return new ChatTemplate(name, template, Collections.unmodifiableMap(tokens), Map.of(),
                Clock.systemDefaultZone());
    }

    /**
     * Reads the default chat template and special tokens of a {@code tokenizer_config.json}.
     *
     * @param tokenizerConfig the file
     * @return the template, named after the file
     * @throws AlloException if the file cannot be read
     * @throws IllegalArgumentException if it is not JSON, has no chat template, or a field has the wrong type
     * @see #fromTokenizerConfig(Path, String)
     */
    public static ChatTemplate fromTokenizerConfig(Path tokenizerConfig) {
        return fromTokenizerConfig(tokenizerConfig, DEFAULT_NAME);
    }

    /**
     * Reads a named chat template and the special tokens of a {@code tokenizer_config.json}. {@code chat_template} is
     * either one template (used whatever {@code templateName} is) or a list of {@code {"name", "template"}} objects
     * (the one named {@code templateName} is used, as {@code apply_chat_template(chat_template=name)} does). Without a
     * {@code chat_template} field, a {@code chat_template.jinja} file beside the configuration is used, as newer
     * {@code transformers} versions save it.
     *
     * @param tokenizerConfig the file
     * @param templateName the template to use when there are several, for example {@code default} or
     *     {@code tool_use}
     * @return the template, named {@code file} or {@code file#templateName}
     * @throws AlloException if the file cannot be read
     * @throws IllegalArgumentException naming the file and field if it is not JSON, has no such template, or a field
     *     has the wrong type
     */
    public static ChatTemplate fromTokenizerConfig(Path tokenizerConfig, String templateName) {
        Objects.requireNonNull(templateName, "templateName");
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(tokenizerConfig, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(tokenizerConfig + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new AlloException("cannot read " + tokenizerConfig + ": " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(tokenizerConfig + ": expected a JSON object");
        }
        Map<String, Object> tokens = new LinkedHashMap<>();
        for (String attribute : SPECIAL_TOKENS) {
            String token = tokenText(root.get(attribute), tokenizerConfig, attribute);
            if (token != null) {
                tokens.put(attribute, token);
            }
        }
        JsonNode additional = root.get(ADDITIONAL_SPECIAL_TOKENS);
        if (additional != null && !additional.isNull()) {
            if (!additional.isArray()) {
                throw new IllegalArgumentException(tokenizerConfig + ": field '" + ADDITIONAL_SPECIAL_TOKENS
                        + "': expected a list of tokens, got " + additional.getNodeType());
            }
            List<String> list = new ArrayList<>();
            for (int k = 0; k < additional.size(); k++) {
                list.add(tokenText(additional.get(k), tokenizerConfig, ADDITIONAL_SPECIAL_TOKENS + "[" + k + "]"));
            }
            tokens.put(ADDITIONAL_SPECIAL_TOKENS, List.copyOf(list));
        }
        String label = tokenizerConfig.toString();
        String text = templateText(root.get("chat_template"), tokenizerConfig, templateName);
        if (text == null) {
            Path jinjaFile = tokenizerConfig.resolveSibling("chat_template.jinja");
            if (!Files.isRegularFile(jinjaFile)) {
                throw new IllegalArgumentException(tokenizerConfig + ": no 'chat_template' field and no "
                        + jinjaFile.getFileName() + " beside it");
            }
            try {
                text = Files.readString(jinjaFile, StandardCharsets.UTF_8);
                label = jinjaFile.toString();
            } catch (IOException e) {
                throw new AlloException("cannot read " + jinjaFile + ": " + e, e);
            }
        } else if (root.get("chat_template").isArray()) {
            label = label + "#" + templateName;
        }
        return of(label, text, tokens);
    }

    // The text of a special token: a string, an AddedToken object {"content": ...}, or null when absent.
    private static String tokenText(JsonNode n, Path file, String field) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isObject() && n.get("content") != null && n.get("content").isTextual()) {
            return n.get("content").textValue();
        }
        throw new IllegalArgumentException(file + ": field '" + field + "': expected a string or an object with a "
                + "string 'content', got " + n);
    }

    // The template text: the string, the named entry of a list, or null when the field is absent.
    private static String templateText(JsonNode n, Path file, String templateName) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(file + ": field 'chat_template': expected a string or a list of "
                    + "{\"name\", \"template\"} objects, got " + n.getNodeType());
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < n.size(); k++) {
            JsonNode entry = n.get(k);
            JsonNode entryName = entry.get("name");
            JsonNode entryTemplate = entry.get("template");
            if (entryName == null || !entryName.isTextual() || entryTemplate == null || !entryTemplate.isTextual()) {
                throw new IllegalArgumentException(file + ": field 'chat_template[" + k + "]': expected {\"name\": "
                        + "string, \"template\": string}, got " + entry);
            }
            if (entryName.textValue().equals(templateName)) {
                return entryTemplate.textValue();
            }
            names.add(entryName.textValue());
        }
        throw new IllegalArgumentException(file + ": field 'chat_template' has no template named '" + templateName
                + "'; it has " + names);
    }

    /**
     * A copy whose {@code strftime_now} reads another clock (for reproducible dates in templates such as Llama 3.2's).
     *
     * @param c the clock; its zone is the template's time zone
     * @return the copy
     */
    public ChatTemplate withClock(Clock c) {
        return new ChatTemplate(name, source, specialTokens, variables, Objects.requireNonNull(c, "clock"));
    }

    /**
     * A copy that passes extra variables to the template, like {@code apply_chat_template}'s keyword arguments (for
     * example {@code enable_thinking = false} for Qwen3). They may not replace {@code messages},
     * {@code add_generation_prompt} or a special token.
     *
     * @param extra variable name to value (strings, numbers, booleans, lists and maps)
     * @return the copy
     * @throws IllegalArgumentException if a name is reserved
     */
    public ChatTemplate withVariables(Map<String, ?> extra) {
        Map<String, Object> all = new LinkedHashMap<>(variables);
        for (Map.Entry<String, ?> e : extra.entrySet()) {
            if (e.getKey().equals("messages") || e.getKey().equals("add_generation_prompt")
                    || specialTokens.containsKey(e.getKey())) {
                throw new IllegalArgumentException("chat template '" + name + "': variable '" + e.getKey()
                        + "' is set by the renderer and cannot be given");
            }
            all.put(e.getKey(), e.getValue());
        }
        return new ChatTemplate(name, source, specialTokens, Collections.unmodifiableMap(all), clock);
    }

    /**
     * The label used in error messages.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The template's Jinja source as given.
     *
     * @return the source
     */
    public String source() {
        return source;
    }

    /**
     * The special tokens passed to the template.
     *
     * @return attribute to text (a list for {@code additional_special_tokens}), unmodifiable
     */
    public Map<String, Object> specialTokens() {
        return specialTokens;
    }

    /**
     * Renders a conversation.
     *
     * @param messages the messages, in order
     * @param addGenerationPrompt whether to end with the header of the assistant's next turn
     * @return the text
     * @throws ChatTemplateException if the template calls {@code raise_exception} (the exception carries the
     *     template's message) or cannot be rendered (syntax error, unknown filter or function, bad operand)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        FalseTextGuard guard = new FalseTextGuard(source);
        List<Object> list = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            list.add(guard.guard(map));
        }
        Map<String, Object> context = new HashMap<>();
        variables.forEach((k, v) -> context.put(k, guard.guard(v)));
        context.putAll(JinjaEnvironment.GLOBALS); // so that `strftime_now is defined` holds, as in transformers
        context.putAll(specialTokens);
        List<String> none = new ArrayList<>(); // None unless given, as apply_chat_template passes them
        for (String parameter : List.of("tools", "documents")) {
            if (context.get(parameter) == null) {
                none.add(parameter);
            }
        }
        context.put(NoneIterationForTag.NONE_NAMES, none);
        context.put("messages", list);
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result = jinjava.renderForResult(compiled, context);
        for (TemplateError e : result.getErrors()) {
            JinjaEnvironment.TemplateRaisedException raised = cause(e.getException(),
                    JinjaEnvironment.TemplateRaisedException.class);
            if (raised != null) {
                throw new ChatTemplateException(name, guard.restore(raised.getMessage()), true);
            }
        }
        for (TemplateError e : result.getErrors()) {
            NoneIterationForTag.NoneIterationException overNone = cause(e.getException(),
                    NoneIterationForTag.NoneIterationException.class);
            if (overNone != null) {
                throw new ChatTemplateException(name, "template line " + e.getLineno() + ": " + overNone.getMessage(),
                        false);
            }
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new ChatTemplateException(name, "template line " + e.getLineno() + ": " + e.getMessage(),
                        false);
            }
        }
        return guard.restore(result.getOutput());
    }

    // The first exception of the given type in the cause chain of `t`, or null.
    private static <T extends Throwable> T cause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + name + "]";
    }
}
