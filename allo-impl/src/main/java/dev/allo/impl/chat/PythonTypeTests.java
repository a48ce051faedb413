package dev.allo.impl.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.filter.LengthFilter;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's tests and filter that ask what kind of value something is, where Jinjava answers differently for strings
 * and mappings. In Jinja2 a string is iterable and a sequence (Llama 3's template prints a tool result with
 * {@code tojson} because {@code message.content is iterable} holds for its string), a mapping is a sequence, and the
 * length of a string counts Unicode code points (Java strings count UTF-16 units, two for an emoji).
 */
final class PythonTypeTests {

    private PythonTypeTests() {
    }

    /**
     * The tests to register.
     *
     * @return {@code iterable} and {@code sequence}
     */
    static List<ExpTest> tests() {
        return List.of(new Iterable(), new Sequence());
    }

    /**
     * The filters to register.
     *
     * @return {@code length}
     */
    static List<Filter> filters() {
        return List.of(new Length());
    }

    /** {@code x is iterable}: Python's {@code iter(x)} succeeds (strings, lists, tuples, dicts). */
    private static final class Iterable implements ExpTest {
        @Override
        public String getName() {
            return "iterable";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof String || var instanceof java.lang.Iterable<?> || var instanceof Map<?, ?>
                    || var != null && var.getClass().isArray();
        }
    }

    /** {@code x is sequence}: Jinja2's test ({@code len(x)} and {@code x[...]} work: strings, lists, dicts). */
    private static final class Sequence implements ExpTest {
        @Override
        public String getName() {
            return "sequence";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof String || var instanceof Collection<?> || var instanceof Map<?, ?>
                    || var != null && var.getClass().isArray();
        }
    }

    /** {@code length}: Python's {@code len}, code points for a string; other values as Jinjava counts them. */
    private static final class Length implements Filter {
        private final LengthFilter other = new LengthFilter();

        @Override
        public String getName() {
            return "length";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var instanceof String s) {
                return (long) s.codePointCount(0, s.length());
            }
            return other.filter(var, interpreter, args);
        }
    }
}
