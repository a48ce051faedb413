package dev.allo.data;

import dev.allo.AlloException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A prompt template: text with named placeholders, kept as data so users can supply their own.
 *
 * <p>Syntax: {@code {name}} is a placeholder, where {@code name} matches {@code [A-Za-z_][A-Za-z0-9_]*}; {@code {{}
 * and {@code }}} stand for literal braces. Any other brace is an error at construction, so a typo such as
 * {@code {instruction }} fails fast instead of being copied into every prompt. Values are inserted verbatim: braces
 * inside values are never interpreted.
 *
 * <p>The paper's two templates (Table 6) ship as resources: {@link #downstream()} (the "Below is an instruction ..."
 * prompt, placeholder {@code {instruction}}) and {@link #solutionRewriting()} (the rewriting model's prompt,
 * placeholders {@code {problem}}, {@code {solution}} and {@code {prediction}}).
 *
 * @param name a label used in error messages (for example the file the text came from)
 * @param text the template text
 */
public record PromptTemplate(String name, String text) {

    /** Placeholder of the downstream template: the problem to be solved. */
    public static final String INSTRUCTION = "instruction";
    /** Placeholder of the rewriting template: the problem. */
    public static final String PROBLEM = "problem";
    /** Placeholder of the rewriting template: the ground-truth (correct) solution. */
    public static final String SOLUTION = "solution";
    /** Placeholder of the rewriting template: the model's wrong prediction. */
    public static final String PREDICTION = "prediction";

    private static final String RESOURCE_DIR = "/dev/allo/data/templates/";

    /**
     * Validates the syntax.
     *
     * @throws IllegalArgumentException if the name is blank or the text has an unmatched or malformed brace
     */
    public PromptTemplate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(text, "text");
        if (name.isBlank()) {
            throw new IllegalArgumentException("template name must not be blank");
        }
        parse(name, text, null);
    }

    /**
     * Creates a template from text.
     *
     * @param name a label for error messages
     * @param text the template text
     * @return the template
     */
    public static PromptTemplate of(String name, String text) {
        return new PromptTemplate(name, text);
    }

    /**
     * Reads a template from a UTF-8 file; the template's name is the file's path.
     *
     * @param file the file
     * @return the template
     * @throws AlloException if the file cannot be read
     */
    public static PromptTemplate load(Path file) {
        try {
            return new PromptTemplate(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AlloException("cannot read prompt template " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The paper's downstream prompt (Table 6, "Prompt for Downstream Tasks"), with the placeholder
     * {@code {instruction}}. The PDF shows no blank lines; they follow the Alpaca layout the first sentence comes from.
     * The text ends with {@code "### Response: Let's think step by step."}; the response follows directly.
     *
     * @return the template, named {@code downstream-instruction}
     */
    public static PromptTemplate downstream() {
        return resource("downstream-instruction");
    }

    /**
     * The paper's solution-rewriting prompt (Table 6, "Distillation for Solution Rewriting"), with the placeholders
     * {@code {problem}}, {@code {solution}} and {@code {prediction}}. It ends with {@code "### Correct prediction:\n"}:
     * the corrected prediction follows directly.
     *
     * @return the template, named {@code solution-rewriting}
     */
    public static PromptTemplate solutionRewriting() {
        return resource("solution-rewriting");
    }

    private static PromptTemplate resource(String name) {
        try (InputStream in = PromptTemplate.class.getResourceAsStream(RESOURCE_DIR + name + ".txt")) {
            if (in == null) {
                throw new AlloException("template resource " + RESOURCE_DIR + name + ".txt is missing from allo-api");
            }
            return new PromptTemplate(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AlloException("cannot read template resource " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * The placeholder names in order of first appearance.
     *
     * @return the names, unmodifiable
     */
    public Set<String> placeholders() {
        Set<String> names = new LinkedHashSet<>();
        parse(name, text, names);
        return Collections.unmodifiableSet(names);
    }

    /**
     * Checks that the template has every required placeholder, for code that will fill it with a fixed set of values.
     *
     * @param required the placeholder names that must be present
     * @return this template
     * @throws IllegalArgumentException naming the template and the missing placeholders
     */
    public PromptTemplate requirePlaceholders(Collection<String> required) {
        Set<String> present = placeholders();
        List<String> missing = new ArrayList<>();
        for (String r : required) {
            if (!present.contains(r)) {
                missing.add("{" + r + "}");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("template '" + name + "' lacks placeholder(s) " + missing
                    + "; it has " + braced(present));
        }
        return this;
    }

    /**
     * Fills the placeholders. Values the template does not use are ignored.
     *
     * @param values a value for every placeholder
     * @return the filled text
     * @throws IllegalArgumentException naming the template and the placeholders without a value
     */
    public String fill(Map<String, String> values) {
        List<String> missing = new ArrayList<>();
        for (String p : placeholders()) {
            if (values.get(p) == null) {
                missing.add("{" + p + "}");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no value for placeholder(s) " + missing + " of template '" + name
                    + "'; values were given for " + values.keySet());
        }
        StringBuilder out = new StringBuilder(text.length() + 256);
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '{' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                out.append('{');
                i += 2;
            } else if (c == '}') {
                out.append('}'); // parse() guarantees it is doubled
                i += 2;
            } else if (c == '{') {
                int close = text.indexOf('}', i);
                out.append(values.get(text.substring(i + 1, close)));
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String braced(Set<String> names) {
        List<String> b = new ArrayList<>();
        for (String n : names) {
            b.add("{" + n + "}");
        }
        return b.toString();
    }

    // Validates the syntax; collects placeholder names when `into` is non-null.
    private static void parse(String name, String text, Set<String> into) {
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '{') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '{') {
                    i += 2;
                    continue;
                }
                int close = text.indexOf('}', i);
                String id = close < 0 ? null : text.substring(i + 1, close);
                if (id == null || !isIdentifier(id)) {
                    throw new IllegalArgumentException("template '" + name + "': malformed placeholder at offset " + i
                            + " (" + snippet(text, i) + "); expected {name} with name matching [A-Za-z_][A-Za-z0-9_]*,"
                            + " or {{ for a literal brace");
                }
                if (into != null) {
                    into.add(id);
                }
                i = close + 1;
            } else if (c == '}') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '}') {
                    i += 2;
                    continue;
                }
                throw new IllegalArgumentException("template '" + name + "': unmatched '}' at offset " + i + " ("
                        + snippet(text, i) + "); write }} for a literal brace");
            } else {
                i++;
            }
        }
    }

    private static boolean isIdentifier(String s) {
        if (s.isEmpty() || !(Character.isLetter(s.charAt(0)) && s.charAt(0) < 128 || s.charAt(0) == '_')) {
            return false;
        }
        for (int k = 1; k < s.length(); k++) {
            char ch = s.charAt(k);
            boolean ok = ch < 128 && (Character.isLetterOrDigit(ch) || ch == '_');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String snippet(String text, int at) {
        int from = Math.max(0, at - 10);
        int to = Math.min(text.length(), at + 20);
        return "\"" + text.substring(from, to).replace("\n", "\\n") + "\"";
    }
}
