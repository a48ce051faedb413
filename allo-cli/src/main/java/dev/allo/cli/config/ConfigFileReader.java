package dev.allo.cli.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}) configuration file into {@link ConfigEntry}s,
 * one per scalar, each with its dotted key and line. The top level is a mapping; a value is a scalar or a mapping
 * of scalars (a section such as {@code forget:}); lists, duplicate keys and {@code null} are refused. Numbers are
 * kept as text so that YAML's {@code 5e-6} (a string to YAML 1.1, a number to JSON) reads the same either way.
 */
public final class ConfigFileReader {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final YAMLFactory YAML = YAMLFactory.builder().build();

    private ConfigFileReader() {}

    /**
     * Reads a configuration file.
     *
     * @param file the file
     * @return its entries in file order
     * @throws ConfigException naming the file (and line) when it is missing, unreadable, malformed or not a mapping
     *     of scalars and sections
     */
    public static List<ConfigEntry> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("configuration file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString(), isJson(file));
    }

    /**
     * Parses configuration text.
     *
     * @param text the YAML or JSON text
     * @param source how to name it in messages (the file name)
     * @param json whether the text is JSON (else YAML)
     * @return its entries in order
     * @throws ConfigException naming the source and line
     */
    public static List<ConfigEntry> parse(String text, String source, boolean json) {
        List<ConfigEntry> out = new ArrayList<>();
        try (JsonParser p = (json ? JSON : YAML).createParser(text)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonToken first = p.nextToken();
            if (first == null) {
                return out; // an empty file sets nothing
            }
            if (first != JsonToken.START_OBJECT) {
                throw new ConfigException(source + where(p) + ": expected a mapping of settings (key: value), found "
                        + describe(first));
            }
            readObject(p, "", source, out);
            if (p.nextToken() != null) {
                throw new ConfigException(source + where(p) + ": unexpected content after the settings");
            }
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + where(e.getLocation()) + ": malformed " + (json ? "JSON" : "YAML")
                    + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + source + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static void readObject(JsonParser p, String prefix, String source, List<ConfigEntry> out)
            throws IOException {
        Set<String> seen = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String key = prefix + name;
            if (!seen.add(name)) {
                throw new ConfigException(source + where(p) + ": key '" + key + "' is set twice");
            }
            JsonToken value = p.nextToken();
            String origin = source + where(p);
            if (value == JsonToken.START_OBJECT) {
                if (!prefix.isEmpty()) {
                    throw new ConfigException(origin + ": " + key + ": expected a value, found a mapping (sections"
                            + " are one level deep: locate, forget, learn)");
                }
                readObject(p, key + ".", source, out);
            } else if (value == JsonToken.START_ARRAY) {
                throw new ConfigException(origin + ": " + key + ": expected a single value, found a list");
            } else if (value == JsonToken.VALUE_NULL || p.getText().isBlank()) {
                throw new ConfigException(origin + ": " + key + ": expected a value, found "
                        + (value == JsonToken.VALUE_NULL ? "null" : "nothing")
                        + " (leave the key out for its default)");
            } else {
                out.add(new ConfigEntry(key, p.getText(), origin));
            }
        }
    }

    private static boolean isJson(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    }

    private static String where(JsonParser p) {
        return where(p.currentTokenLocation());
    }

    private static String where(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? "" : " line " + location.getLineNr();
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "a list";
            case VALUE_NULL -> "null";
            default -> "a single value";
        };
    }
}
