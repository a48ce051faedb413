package dev.allo.impl.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.allo.AlloException;
import dev.allo.data.Fingerprint;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.scorer.TokenScorer;
import dev.allo.scorer.TokenScores;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes a data set's token scores once and keeps them on disk, keyed by a SHA-256 fingerprint of everything they
 * depend on: every pair (its index, its ids, the text of its source example), the tokenizer's
 * {@link Tokenizer#identity()}, and the scorer's {@link TokenScorer#fingerprint} (its config and, for a model
 * scorer, the model's weights).
 *
 * <p>The file is {@code <directory>/token-scores-<fingerprint>.jsonl}: a header line
 * {@code {"format", "fingerprint", "count"}} and then one line per pair {@code {"index", "rejected", "chosen"?}}. Any
 * change of input changes the fingerprint and so the file name; a file whose header, count, indices or lengths do
 * not match its pairs is never used (it is recomputed and replaced, with a warning). Files are written atomically.
 *
 * <p>A cache may also have a read-only directory of files computed elsewhere (for example by the Spark jobs of
 * {@code allo-spark}): a lookup that finds no valid file in its own directory reads that one, and never writes it.
 */
public final class ScoreCache {

    private static final Logger LOG = LoggerFactory.getLogger(ScoreCache.class);
    private static final String FORMAT = "allo-token-scores/v1";

    private final Path directory;
    private final Optional<Path> precomputed;

    /**
     * The outcome of {@link #scores}.
     *
     * @param scores one entry per pair, in order
     * @param fingerprint the cache key
     * @param file the cache file
     * @param fromCache whether the scores were read from disk rather than computed
     */
    public record Result(List<TokenScores> scores, String fingerprint, Path file, boolean fromCache) {

        /** Copies the list. */
        public Result {
            scores = List.copyOf(scores);
        }
    }

    /**
     * A cache in a directory (created when first written).
     *
     * @param directory the directory
     */
    public ScoreCache(Path directory) {
        this(directory, Optional.empty());
    }

    /**
     * A cache in a directory that also reads files from a read-only directory of precomputed ones.
     *
     * @param directory where the files are written and read first
     * @param precomputed where valid files are also looked up (never written), if present
     */
    public ScoreCache(Path directory, Optional<Path> precomputed) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.precomputed = Objects.requireNonNull(precomputed, "precomputed");
    }

    /**
     * The name of the cache file of a fingerprint.
     *
     * @param fingerprint the fingerprint ({@link #fingerprint})
     * @return {@code token-scores-<fingerprint>.jsonl}
     */
    public static String fileName(String fingerprint) {
        return "token-scores-" + fingerprint + ".jsonl";
    }

    /**
     * The fingerprint of a scoring job.
     *
     * @param pairs the pairs, in order
     * @param tokenizer the tokenizer that produced them
     * @param scorer the scorer
     * @return 64 hex digits
     */
    public static String fingerprint(List<TokenizedPair> pairs, Tokenizer tokenizer, TokenScorer scorer) {
        Fingerprint.Builder f = Fingerprint.builder(FORMAT);
        f.add("tokenizer", tokenizer.identity());
        scorer.fingerprint(f);
        f.add("pairs", pairs.size());
        for (TokenizedPair p : pairs) {
            PreferenceExample s = p.source();
            f.add("index", p.index());
            f.add("prompt", s.prompt());
            f.add("chosen", s.chosen());
            f.add("rejected", s.rejected());
            f.add("reference", s.reference().map(r -> "1" + r).orElse("0"));
            f.add("promptIds", p.promptIds());
            f.add("chosenIds", p.chosenIds());
            f.add("rejectedIds", p.rejectedIds());
            f.add("referenceIds", p.referenceIds().orElse(new int[] {-1}));
        }
        return f.build();
    }

    /**
     * The scores of every pair: read from the cache file when a valid one exists, else computed with
     * {@link TokenScorer#scoreAll} and written.
     *
     * @param pairs the pairs
     * @param tokenizer the tokenizer that produced them
     * @param scorer the scorer
     * @return the scores and where they came from
     */
    public Result scores(List<TokenizedPair> pairs, Tokenizer tokenizer, TokenScorer scorer) {
        String key = fingerprint(pairs, tokenizer, scorer);
        Path file = directory.resolve(fileName(key));
        if (Files.exists(file)) {
            Optional<List<TokenScores>> cached = read(file, key, pairs);
            if (cached.isPresent()) {
                return new Result(cached.get(), key, file, true);
            }
        }
        if (precomputed.isPresent() && Files.exists(precomputed.get().resolve(fileName(key)))) {
            Path external = precomputed.get().resolve(fileName(key));
            Optional<List<TokenScores>> cached = read(external, key, pairs);
            if (cached.isPresent()) {
                return new Result(cached.get(), key, external, true);
            }
        }
        List<TokenScores> scores = scorer.scoreAll(pairs);
        if (scores.size() != pairs.size()) {
            throw new IllegalStateException("scorer " + scorer + " returned " + scores.size() + " scores for "
                    + pairs.size() + " pairs");
        }
        for (int i = 0; i < pairs.size(); i++) {
            check(pairs.get(i), scores.get(i), scorer);
        }
        write(file, key, pairs, scores);
        return new Result(scores, key, file, false);
    }

    /**
     * The pairs with their scores applied: rejected weights replaced, chosen weights replaced when the scorer gives
     * them.
     *
     * @param pairs the pairs
     * @param scores their scores, in the same order
     * @return new pairs
     */
    public static List<TokenizedPair> apply(List<TokenizedPair> pairs, List<TokenScores> scores) {
        if (pairs.size() != scores.size()) {
            throw new IllegalArgumentException("pairs and scores must have the same size, got " + pairs.size()
                    + " and " + scores.size());
        }
        List<TokenizedPair> out = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            TokenizedPair p = pairs.get(i);
            TokenScores s = scores.get(i);
            out.add(p.withWeights(s.chosen().orElseGet(p::chosenWeights), s.rejected()));
        }
        return out;
    }

    private static void check(TokenizedPair p, TokenScores s, TokenScorer scorer) {
        int n = p.rejectedIds().length;
        if (s.rejected().length != n) {
            throw new IllegalStateException("scorer " + scorer + " gave " + s.rejected().length
                    + " rejected weights for pair " + p.index() + " with " + n + " rejected tokens");
        }
        int c = p.chosenIds().length;
        if (s.chosen().isPresent() && s.chosen().get().length != c) {
            throw new IllegalStateException("scorer " + scorer + " gave " + s.chosen().get().length
                    + " chosen weights for pair " + p.index() + " with " + c + " chosen tokens");
        }
    }

    private static void write(Path file, String key, List<TokenizedPair> pairs, List<TokenScores> scores) {
        try (AtomicJsonlWriter w = AtomicJsonlWriter.open(file)) {
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("format", FORMAT);
            header.put("fingerprint", key);
            header.put("count", pairs.size());
            w.write(header);
            for (int i = 0; i < pairs.size(); i++) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("index", pairs.get(i).index());
                line.put("rejected", scores.get(i).rejected());
                scores.get(i).chosen().ifPresent(c -> line.put("chosen", c));
                w.write(line);
            }
            w.commit();
        }
    }

    private static Optional<List<TokenScores>> read(Path file, String key, List<TokenizedPair> pairs) {
        try (Utf8LineReader lines = new Utf8LineReader(file)) {
            String first = lines.next();
            if (first == null) {
                return stale(file, "it is empty");
            }
            JsonNode header = JsonlPreferenceReader.MAPPER.readTree(first);
            if (!FORMAT.equals(header.path("format").asText()) || !key.equals(header.path("fingerprint").asText())
                    || header.path("count").asLong(-1) != pairs.size()) {
                return stale(file, "header " + header + " does not match fingerprint " + key + " and count "
                        + pairs.size());
            }
            List<TokenScores> out = new ArrayList<>(pairs.size());
            for (TokenizedPair p : pairs) {
                String text = lines.next();
                if (text == null) {
                    return stale(file, "it ends after " + out.size() + " of " + pairs.size() + " pairs");
                }
                JsonNode line = JsonlPreferenceReader.MAPPER.readTree(text);
                float[] rejected = floats(line.get("rejected"));
                Optional<float[]> chosen = line.has("chosen") ? Optional.of(floats(line.get("chosen")))
                        : Optional.empty();
                if (line.path("index").asLong(-1) != p.index() || rejected.length != p.rejectedIds().length
                        || chosen.isPresent() && chosen.get().length != p.chosenIds().length) {
                    return stale(file, "line " + lines.lineNumber() + " does not match pair " + p.index());
                }
                out.add(new TokenScores(rejected, chosen));
            }
            if (lines.next() != null) {
                return stale(file, "it has more lines than its " + pairs.size() + " pairs");
            }
            return Optional.of(out);
        } catch (java.io.IOException | RuntimeException e) {
            if (e instanceof AlloException && !(e instanceof dev.allo.data.MalformedDataException)) {
                throw (AlloException) e;
            }
            return stale(file, e.toString());
        }
    }

    private static float[] floats(JsonNode array) {
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException("expected an array of weights, got " + array);
        }
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).floatValue();
        }
        return out;
    }

    private static Optional<List<TokenScores>> stale(Path file, String why) {
        LOG.warn("ignoring token-score cache {}: {}; recomputing", file, why);
        return Optional.empty();
    }
}
