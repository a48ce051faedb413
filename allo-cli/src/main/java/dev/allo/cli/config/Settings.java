package dev.allo.cli.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoublePredicate;

/**
 * The settings of one command: a configuration file's entries overridden by {@code --set key=value} arguments (the
 * later wins), every key checked against {@link ConfigKeys} when added. Typed getters look a key up in a section,
 * then (for inherited keys) at the top level, then fall back to a default, and name the key, where it was written,
 * what was expected and what was found when a value does not fit.
 */
public final class Settings {
    private final Map<String, ConfigEntry> entries = new LinkedHashMap<>();

    private Settings() {}

    /**
     * Settings from entries, in order (a later entry for the same key wins).
     *
     * @param list the entries
     * @return the settings
     * @throws ConfigException for an unknown key
     */
    public static Settings of(List<ConfigEntry> list) {
        Settings s = new Settings();
        list.forEach(s::put);
        return s;
    }

    /**
     * The settings of an optional configuration file and {@code --set} overrides.
     *
     * @param file the YAML or JSON file, or null
     * @param overrides {@code key=value} texts
     * @return the settings
     * @throws ConfigException for a bad file, override, or key
     */
    public static Settings load(Path file, List<String> overrides) {
        List<ConfigEntry> all = new ArrayList<>(file == null ? List.of() : ConfigFileReader.read(file));
        for (String o : overrides) {
            all.add(override(o));
        }
        return of(all);
    }

    /**
     * Parses one {@code --set} argument.
     *
     * @param text {@code key=value}
     * @return the entry
     * @throws ConfigException when there is no {@code =} or no key
     */
    public static ConfigEntry override(String text) {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set " + text + ": expected key=value, for example --set learning_rate=1e-5");
        }
        return new ConfigEntry(text.substring(0, eq).trim(), text.substring(eq + 1).trim(), "--set " + text);
    }

    private void put(ConfigEntry e) {
        ConfigKeys.check(e);
        entries.remove(e.key()); // keep the order of the last write
        entries.put(e.key(), e);
    }

    /**
     * The entry a key resolves to in a section: the section's own, else the top level's for inherited keys.
     *
     * @param section a section or {@link ConfigKey#TOP}
     * @param name the key name
     * @return the entry, or empty for the default
     */
    public Optional<ConfigEntry> find(String section, String name) {
        ConfigEntry own = entries.get(dotted(section, name));
        if (own != null) {
            return Optional.of(own);
        }
        boolean inherited = ConfigKeys.find(name).map(ConfigKey::inherited).orElse(false);
        return inherited && !section.isEmpty() ? Optional.ofNullable(entries.get(name)) : Optional.empty();
    }

    /**
     * A real number.
     *
     * @param section the section
     * @param name the key
     * @param fallback the default
     * @param valid the range
     * @param expected the range in words, for the message ({@code "a number > 0"})
     * @return the value
     * @throws ConfigException when the text is not a number or out of range
     */
    public double real(String section, String name, double fallback, DoublePredicate valid, String expected) {
        Optional<ConfigEntry> e = find(section, name);
        if (e.isEmpty()) {
            return fallback;
        }
        double v;
        try {
            v = Double.parseDouble(e.get().text().trim());
        } catch (NumberFormatException x) {
            throw bad(e.get(), expected);
        }
        if (Double.isNaN(v) || !valid.test(v)) {
            throw bad(e.get(), expected);
        }
        return v;
    }

    /**
     * A whole number (written {@code 3} or {@code 3.0}).
     *
     * @param section the section
     * @param name the key
     * @param fallback the default
     * @param min the smallest allowed value
     * @return the value
     * @throws ConfigException when the text is not a whole number or below {@code min}
     */
    public long whole(String section, String name, long fallback, long min) {
        Optional<ConfigEntry> e = find(section, name);
        if (e.isEmpty()) {
            return fallback;
        }
        String expected = "a whole number >= " + min;
        double v;
        try {
            v = Double.parseDouble(e.get().text().trim());
        } catch (NumberFormatException x) {
            throw bad(e.get(), expected);
        }
        if (v != Math.rint(v) || v < min || v > Long.MAX_VALUE) {
            throw bad(e.get(), expected);
        }
        return (long) v;
    }

    /**
     * A whole number that fits an {@code int}.
     *
     * @param section the section
     * @param name the key
     * @param fallback the default
     * @param min the smallest allowed value
     * @return the value
     */
    public int integer(String section, String name, int fallback, int min) {
        long v = whole(section, name, fallback, min);
        if (v > Integer.MAX_VALUE) {
            throw bad(find(section, name).orElseThrow(), "a whole number in [" + min + ", " + Integer.MAX_VALUE + "]");
        }
        return (int) v;
    }

    /**
     * One of named values (case-insensitive).
     *
     * @param section the section
     * @param name the key
     * @param choices name to value, in the order to list them
     * @param fallback the default
     * @param <T> the value type
     * @return the value
     * @throws ConfigException naming the allowed names
     */
    public <T> T choice(String section, String name, Map<String, T> choices, T fallback) {
        Optional<ConfigEntry> e = find(section, name);
        if (e.isEmpty()) {
            return fallback;
        }
        T v = choices.get(e.get().text().trim().toLowerCase(Locale.ROOT));
        if (v == null) {
            throw bad(e.get(), "one of " + choices.keySet());
        }
        return v;
    }

    /**
     * Whether a key is set in a section (or inherited into it).
     *
     * @param section the section
     * @param name the key
     * @return true when set
     */
    public boolean isSet(String section, String name) {
        return find(section, name).isPresent();
    }

    /**
     * The error for a value that does not fit.
     *
     * @param e the entry
     * @param expected what was expected
     * @return the exception
     */
    public static ConfigException bad(ConfigEntry e, String expected) {
        return new ConfigException(e.origin() + ": " + e.key() + ": expected " + expected + ", got '" + e.text()
                + "'");
    }

    private static String dotted(String section, String name) {
        return section.isEmpty() ? name : section + "." + name;
    }
}
