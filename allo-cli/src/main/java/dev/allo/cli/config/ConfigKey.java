package dev.allo.cli.config;

import java.util.Set;

/**
 * A key of the command line's configuration: its name, the sections it may appear in ({@code ""} for the top
 * level, {@code locate}, {@code forget}, {@code learn}), whether a section inherits the top-level value, and what it
 * sets.
 *
 * @param name the key as written ({@code learning_rate}); TRL's {@code DPOConfig} name where TRL has the setting
 * @param sections where it may appear
 * @param inherited whether a section without the key takes the top-level value
 * @param meaning one line for documentation and error messages
 */
public record ConfigKey(String name, Set<String> sections, boolean inherited, String meaning) {

    /** The top level. */
    public static final String TOP = "";

    /** Copies the sections. */
    public ConfigKey {
        sections = Set.copyOf(sections);
    }
}
