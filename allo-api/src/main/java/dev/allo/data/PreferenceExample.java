package dev.allo.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One preference pair: a prompt {@code x}, the chosen response {@code y+} and the rejected response {@code y-}, with
 * an optional reference (ground-truth) solution, an optional id and free metadata.
 *
 * <p>The field names follow TRL's preference format ({@code prompt}, {@code chosen}, {@code rejected}); the JSONL
 * readers and writers store {@code reference} and {@code id} as optional fields of the same name and every metadata
 * entry as one more field of the line, which is why metadata keys may not be one of {@link #RESERVED_FIELDS}.
 *
 * <p>Metadata values are JSON-like: {@code String}, {@code Number}, {@code Boolean}, {@code null}, {@code List} of
 * such values or {@code Map<String, ?>} of such values. The map keeps insertion order and is unmodifiable.
 *
 * @param prompt the prompt {@code x}; not empty
 * @param chosen the preferred response {@code y+}; not empty
 * @param rejected the dispreferred response {@code y-}; not empty
 * @param reference the ground-truth solution, used by the rewriting prompt and the edit-distance scorer; not empty
 *     when present
 * @param id a user identifier of the pair; not empty when present
 * @param metadata any other fields of the source line
 */
public record PreferenceExample(
        String prompt,
        String chosen,
        String rejected,
        Optional<String> reference,
        Optional<String> id,
        Map<String, Object> metadata) {

    /** Field names with a fixed meaning; metadata keys may not use them. */
    public static final Set<String> RESERVED_FIELDS = Set.of("prompt", "chosen", "rejected", "reference", "id");

    /**
     * Validates every component.
     *
     * @throws IllegalArgumentException naming the field that is empty, reserved or of an unsupported type
     */
    public PreferenceExample {
        requireText("prompt", prompt);
        requireText("chosen", chosen);
        requireText("rejected", rejected);
        Objects.requireNonNull(reference, "reference (use Optional.empty())");
        Objects.requireNonNull(id, "id (use Optional.empty())");
        reference.ifPresent(r -> requireText("reference", r));
        id.ifPresent(i -> requireText("id", i));
        Objects.requireNonNull(metadata, "metadata (use Map.of())");
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : metadata.entrySet()) {
            String key = Objects.requireNonNull(e.getKey(), "metadata key");
            if (RESERVED_FIELDS.contains(key)) {
                throw new IllegalArgumentException("metadata key '" + key + "' is reserved; reserved keys are "
                        + RESERVED_FIELDS);
            }
            requireJsonValue("metadata." + key, e.getValue());
            copy.put(key, e.getValue());
        }
        metadata = Collections.unmodifiableMap(copy);
    }

    /**
     * A pair without reference, id or metadata.
     *
     * @param prompt the prompt
     * @param chosen the chosen response
     * @param rejected the rejected response
     * @return the example
     */
    public static PreferenceExample of(String prompt, String chosen, String rejected) {
        return new PreferenceExample(prompt, chosen, rejected, Optional.empty(), Optional.empty(), Map.of());
    }

    /**
     * A copy with a reference solution.
     *
     * @param referenceSolution the ground-truth solution
     * @return the copy
     */
    public PreferenceExample withReference(String referenceSolution) {
        return new PreferenceExample(prompt, chosen, rejected, Optional.of(referenceSolution), id, metadata);
    }

    /**
     * A copy with an id.
     *
     * @param newId the id
     * @return the copy
     */
    public PreferenceExample withId(String newId) {
        return new PreferenceExample(prompt, chosen, rejected, reference, Optional.of(newId), metadata);
    }

    private static void requireText(String field, String value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
    }

    private static void requireJsonValue(String path, Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
            return;
        }
        if (v instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                requireJsonValue(path + "[" + i + "]", list.get(i));
            }
            return;
        }
        if (v instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new IllegalArgumentException(path + " has a non-string key " + e.getKey());
                }
                requireJsonValue(path + "." + k, e.getValue());
            }
            return;
        }
        throw new IllegalArgumentException(path + " must be a String, Number, Boolean, null, List or Map, got "
                + v.getClass().getName());
    }
}
