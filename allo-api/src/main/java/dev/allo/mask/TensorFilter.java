package dev.allo.mask;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Chooses which parameter tensors a {@link MaskSelector} may select from, by glob patterns on the Hugging Face
 * names. By default every tensor is included (embeddings, norms and {@code lm_head} too, as in the paper).
 *
 * <p>Glob syntax: {@code *} matches any run of characters, dots included; {@code ?} matches one character; every
 * other character matches itself. A pattern must match the whole name. Examples: {@code model.layers.*.mlp.*},
 * {@code *norm*}, {@code lm_head.weight}, {@code model.layers.1?.*}.
 *
 * <p>A tensor is included when the include list is empty or one include pattern matches it, and no exclude pattern
 * matches it. Every pattern must match at least one tensor of the model, so that a typo is an error rather than a
 * silently different mask. Instances are immutable.
 */
public final class TensorFilter {
    private static final TensorFilter ALL = new TensorFilter(List.of(), List.of());

    private final List<String> includes;
    private final List<String> excludes;

    private TensorFilter(List<String> includes, List<String> excludes) {
        this.includes = List.copyOf(includes);
        this.excludes = List.copyOf(excludes);
    }

    /**
     * The filter that includes every tensor.
     *
     * @return the default filter
     */
    public static TensorFilter all() {
        return ALL;
    }

    /**
     * Restricts the selection to tensors matching at least one of these globs (added to any earlier includes).
     *
     * @param globs glob patterns, each matching at least one tensor
     * @return a new filter
     */
    public TensorFilter including(String... globs) {
        List<String> more = new ArrayList<>(includes);
        more.addAll(checked(globs));
        return new TensorFilter(more, excludes);
    }

    /**
     * Removes tensors matching any of these globs from the selection (added to any earlier excludes).
     *
     * @param globs glob patterns, each matching at least one tensor
     * @return a new filter
     */
    public TensorFilter excluding(String... globs) {
        List<String> more = new ArrayList<>(excludes);
        more.addAll(checked(globs));
        return new TensorFilter(includes, more);
    }

    /**
     * The include patterns.
     *
     * @return an unmodifiable list (empty means "every tensor")
     */
    public List<String> includes() {
        return includes;
    }

    /**
     * The exclude patterns.
     *
     * @return an unmodifiable list
     */
    public List<String> excludes() {
        return excludes;
    }

    /**
     * Applies the filter.
     *
     * @param names the model's tensor names, in model order
     * @return the included names, in model order (never empty)
     * @throws IllegalArgumentException if a pattern matches no tensor, or nothing is left after filtering
     */
    public List<String> apply(Collection<String> names) {
        List<Pattern> inc = compileAll(includes, names, "include");
        List<Pattern> exc = compileAll(excludes, names, "exclude");
        List<String> out = new ArrayList<>();
        for (String name : names) {
            boolean in = inc.isEmpty() || inc.stream().anyMatch(p -> p.matcher(name).matches());
            if (in && exc.stream().noneMatch(p -> p.matcher(name).matches())) {
                out.add(name);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("tensor filter " + this + " leaves no tensor to select from (tensors: "
                    + NeuronMask.preview(names) + ")");
        }
        return out;
    }

    /**
     * Whether a glob pattern matches a whole name.
     *
     * @param glob the pattern ({@code *}, {@code ?}, literals)
     * @param name a tensor name
     * @return whether it matches
     */
    public static boolean matches(String glob, String name) {
        return toRegex(glob).matcher(name).matches();
    }

    private static List<Pattern> compileAll(List<String> globs, Collection<String> names, String kind) {
        List<Pattern> out = new ArrayList<>();
        for (String glob : globs) {
            Pattern p = toRegex(glob);
            if (names.stream().noneMatch(n -> p.matcher(n).matches())) {
                throw new IllegalArgumentException(kind + " pattern '" + glob + "' matches no tensor (tensors: "
                        + NeuronMask.preview(names) + ")");
            }
            out.add(p);
        }
        return out;
    }

    private static Pattern toRegex(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    private static List<String> checked(String... globs) {
        List<String> out = new ArrayList<>();
        for (String g : globs) {
            Objects.requireNonNull(g, "glob");
            if (g.isEmpty()) {
                throw new IllegalArgumentException("tensor name pattern must not be empty");
            }
            out.add(g);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorFilter && ((TensorFilter) o).includes.equals(includes)
                && ((TensorFilter) o).excludes.equals(excludes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(includes, excludes);
    }

    @Override
    public String toString() {
        return "TensorFilter[include=" + includes + ", exclude=" + excludes + "]";
    }
}
