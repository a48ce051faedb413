package dev.allo.impl.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Jinjava engine set up like the Jinja2 environment of Hugging Face {@code transformers}' chat templates
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker,
 * loopcontrols])}):
 *
 * <ul>
 *   <li>{@code trim_blocks} on, {@code lstrip_blocks} as Jinja2 applies it (by {@link JinjaSource});
 *       {@code {%- -%}} and {@code {{- -}}} strip whitespace as in Jinja2; filters bind tighter than arithmetic and {@code +} ({@code '\n' + x | trim} trims only {@code x});
 *       {@code {% break %}} and {@code {% continue %}} work; {@code {% generation %}} blocks render their body
 *       ({@link GenerationTag}); a loop over a mapping gives its keys, one over {@code None} fails
 *       ({@link NoneIterationForTag});</li>
 *   <li>output is never interpreted again (message text containing <code>{{</code> stays text) and never escaped;
 *       values print as Python's {@code str()} prints them ({@link PythonOutput}: {@code True}, {@code ['a']});</li>
 *   <li>the globals {@code raise_exception(message)} (throws {@link TemplateRaisedException}) and
 *       {@code strftime_now(format)} (the clock's current time, strftime format, English month and day names);</li>
 *   <li>the filters {@code tojson} (Python's {@code json.dumps}, see {@link PythonJson}, with {@code indent},
 *       {@code ensure_ascii}, {@code separators} and {@code sort_keys}), {@code trim} (Python's
 *       {@code str.strip}, optionally with characters) and {@code items} (Jinja2 3.1's key-value pairs of a map,
 *       which Jinjava lacks);</li>
 *   <li>Python {@code str} methods on strings ({@link PythonStringResolver});</li>
 *   <li>the tests {@code iterable} and {@code sequence} and the filter {@code length} as Jinja2 answers them for
 *       strings and mappings ({@link PythonTypeTests}).</li>
 * </ul>
 */
final class JinjaEnvironment {

    /**
     * Variables naming the template globals. Jinjava resolves a call such as {@code strftime_now(...)} among its
     * functions, but the test {@code strftime_now is defined} (Llama 3.2 falls back to a fixed date without it) among
     * the variables; rendering puts these markers into the context so that both work.
     */
    static final Map<String, Object> GLOBALS = Map.of("raise_exception", "<function raise_exception>",
            "strftime_now", "<function strftime_now>");

    private JinjaEnvironment() {
    }

    /**
     * Creates an engine whose {@code strftime_now} reads the given clock.
     *
     * @param clock the clock and its time zone
     * @return the engine; thread-safe
     */
    static Jinjava create(Clock clock) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(false) // applied to the source by JinjaSource, as Jinja2 does
                .withNestedInterpretationEnabled(false)
                .withLocale(Locale.ENGLISH)
                .withTimeZone(clock.getZone())
                .withDateTimeProvider(clock::millis)
                .withElResolver(resolver)
                .withExecutionMode(new PythonOutput())
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withIterateOverMapKeys(true) // {% for k in dict %} gives the keys, as in Python
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.registerFunction(function("raise_exception", "raiseException"));
        jinjava.registerFunction(function("strftime_now", "strftimeNow"));
        jinjava.registerFilter(new TojsonFilter());
        jinjava.registerFilter(new TrimFilter());
        jinjava.registerFilter(new ItemsFilter());
        jinjava.getGlobalContext().registerTag(new GenerationTag());
        jinjava.getGlobalContext().registerTag(new NoneIterationForTag());
        jinjava.registerFilter(PythonOutput.stringFilter());
        PythonTypeTests.tests().forEach(jinjava::registerExpTest);
        PythonTypeTests.filters().forEach(jinjava::registerFilter);
        return jinjava;
    }

    private static ELFunctionDefinition function(String name, String method) {
        try {
            Method m = JinjaEnvironment.class.getDeclaredMethod(method, Object.class);
            m.setAccessible(true);
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The template global {@code raise_exception(message)}.
     *
     * @param message the template's message
     * @return never
     * @throws TemplateRaisedException always
     */
    static Object raiseException(Object message) {
        throw new TemplateRaisedException(String.valueOf(message));
    }

    /**
     * The template global {@code strftime_now(format)}: the current time of the engine's clock.
     *
     * @param format a strftime format such as {@code "%d %b %Y"}
     * @return the formatted time
     */
    static Object strftimeNow(Object format) {
        JinjavaConfig config = JinjavaInterpreter.getCurrent().getConfig();
        ZonedDateTime now = ZonedDateTime.ofInstant(Instant.ofEpochMilli(config.getDateTimeProvider()
                .getCurrentTimeMillis()), config.getTimeZone());
        return StrftimeFormatter.format(now, String.valueOf(format), Locale.ENGLISH);
    }

    /** Thrown by the template global {@code raise_exception}; carries the template's message. */
    static final class TemplateRaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaisedException(String message) {
            super(message);
        }
    }

    /** {@code tojson}: Python's {@code json.dumps(x, ensure_ascii=False, indent=None, ...)}. */
    private static final class TojsonFilter implements Filter {
        private static final List<String> POSITIONAL = List.of("ensure_ascii", "indent", "separators", "sort_keys");

        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Map<String, Object> named = new HashMap<>(kwargs);
            for (int k = 0; k < args.length && k < POSITIONAL.size(); k++) {
                named.putIfAbsent(POSITIONAL.get(k), args[k]);
            }
            Object indent = named.get("indent");
            String indentText = indent == null ? null
                    : indent instanceof Number n ? " ".repeat(n.intValue()) : indent.toString();
            Object separators = named.get("separators");
            List<String> seps = separators instanceof List<?> l && l.size() == 2
                    ? List.of(String.valueOf(l.get(0)), String.valueOf(l.get(1))) : null;
            return new PythonJson(indentText, truthy(named.get("ensure_ascii")), seps,
                    truthy(named.get("sort_keys"))).dumps(var);
        }

        private static boolean truthy(Object o) {
            return o instanceof Boolean b ? b : o != null && Boolean.parseBoolean(o.toString());
        }
    }

    /** {@code items}: the entries of a map, for {@code {% for key, value in map | items %}}. */
    private static final class ItemsFilter implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return List.of();
            }
            if (!(var instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("items: expected a mapping, got " + var.getClass().getSimpleName());
            }
            return new ArrayList<>(map.entrySet());
        }
    }

    /** {@code trim}: Python's {@code str.strip(chars)}. */
    private static final class TrimFilter implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return ""; // an undefined value trims to empty text
            }
            String chars = args.length > 0 ? args[0] : null;
            return PythonStrings.strip(var.toString(), chars, true, true);
        }
    }
}
