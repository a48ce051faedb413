package dev.allo.impl.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Gives strings in Jinjava templates the Python {@code str} methods chat templates call ({@code strip},
 * {@code lstrip}, {@code rstrip}, {@code split}, {@code startswith}, {@code endswith}, {@code upper}, {@code lower},
 * {@code title}, {@code capitalize}, {@code replace}, {@code find}, {@code count}, {@code join}, {@code isspace},
 * {@code isdigit}, {@code isalpha}, {@code isalnum}). Without it
 * Jinjava calls the Java method of the same name if there is one ({@code split} would take a regular expression) and
 * fails otherwise. Any other method or property falls through to the next resolver.
 */
final class PythonStringResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(s, method.toString(), args);
        if (result != NOT_HANDLED) {
            context.setPropertyResolved(true);
            return result;
        }
        return null;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object call(String s, String name, Object[] a) {
        int n = a.length;
        return switch (name) {
            case "strip" -> n <= 1 ? PythonStrings.strip(s, chars(a), true, true) : NOT_HANDLED;
            case "lstrip" -> n <= 1 ? PythonStrings.strip(s, chars(a), true, false) : NOT_HANDLED;
            case "rstrip" -> n <= 1 ? PythonStrings.strip(s, chars(a), false, true) : NOT_HANDLED;
            case "split" -> n <= 2 ? PythonStrings.split(s, chars(a), n == 2 ? toInt(a[1]) : -1) : NOT_HANDLED;
            case "startswith" -> n == 1 ? PythonStrings.hasAffix(s, a[0], true) : NOT_HANDLED;
            case "endswith" -> n == 1 ? PythonStrings.hasAffix(s, a[0], false) : NOT_HANDLED;
            case "upper" -> n == 0 ? s.toUpperCase(Locale.ROOT) : NOT_HANDLED;
            case "lower" -> n == 0 ? s.toLowerCase(Locale.ROOT) : NOT_HANDLED;
            case "title" -> n == 0 ? PythonStrings.title(s) : NOT_HANDLED;
            case "capitalize" -> n == 0 ? PythonStrings.capitalize(s) : NOT_HANDLED;
            case "replace" -> n == 2 || n == 3 ? PythonStrings.replace(s, String.valueOf(a[0]), String.valueOf(a[1]),
                    n == 3 ? toInt(a[2]) : -1) : NOT_HANDLED;
            case "find" -> n == 1 ? codePointIndex(s, s.indexOf(String.valueOf(a[0]))) : NOT_HANDLED;
            case "count" -> n == 1 ? PythonStrings.count(s, String.valueOf(a[0])) : NOT_HANDLED;
            case "join" -> n == 1 ? join(s, a[0]) : NOT_HANDLED;
            case "isspace" -> n == 0 ? !s.isEmpty() && s.codePoints().allMatch(PythonStrings::isSpace) : NOT_HANDLED;
            case "isdigit" -> n == 0 ? !s.isEmpty() && s.codePoints().allMatch(Character::isDigit) : NOT_HANDLED;
            case "isalpha" -> n == 0 ? !s.isEmpty() && s.codePoints().allMatch(Character::isLetter) : NOT_HANDLED;
            case "isalnum" -> n == 0 ? !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit)
                    : NOT_HANDLED;
            default -> NOT_HANDLED;
        };
    }

    private static int codePointIndex(String s, int charIndex) {
        return charIndex < 0 ? -1 : s.codePointCount(0, charIndex);
    }

    private static String chars(Object[] a) {
        return a.length == 0 || a[0] == null ? null : String.valueOf(a[0]);
    }

    private static int toInt(Object o) {
        if (o instanceof Number num) {
            return num.intValue();
        }
        throw new IllegalArgumentException("expected an integer argument, got " + o);
    }

    private static String join(String separator, Object items) {
        Iterator<?> it;
        if (items instanceof Collection<?> c) {
            it = c.iterator();
        } else if (items instanceof Iterable<?> i) {
            it = i.iterator();
        } else if (items instanceof String str) {
            List<String> chars = new ArrayList<>();
            str.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
            it = chars.iterator();
        } else {
            throw new IllegalArgumentException("str.join: expected an iterable, got " + items);
        }
        StringBuilder out = new StringBuilder();
        while (it.hasNext()) {
            out.append(it.next());
            if (it.hasNext()) {
                out.append(separator);
            }
        }
        return out.toString();
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // strings are immutable; other bases are left to the next resolver
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
