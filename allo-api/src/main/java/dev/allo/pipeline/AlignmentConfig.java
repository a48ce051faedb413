package dev.allo.pipeline;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything that determines an alignment run apart from the model, tokenizer and data: the optional locate stage
 * and the optimisation stages in order. It is saved as JSON beside a run's outputs, so the run can be repeated.
 *
 * @param locate the locate stage, or null when no stage needs importance scores
 * @param stages the optimisation stages, run in order, each starting from the previous one's output
 * @param seed the seed of data order, initialisation and random masks
 * @param maxLength the longest prompt + response in tokens, {@code >= 2}; longer pairs are truncated
 * @param maxPromptLength the longest prompt in tokens, in {@code [1, maxLength)}
 * @param logProbChunk positions per chunk when computing log-probabilities, {@code 0} for unchunked
 * @param reporting logging interval, numbered checkpoints and report targets; null for
 *     {@link ReportingConfig#defaults()}
 * @param weightStorage how the weights no stage updates are held; null for {@link WeightStorage#AUTO}
 */
public record AlignmentConfig(LocateConfig locate, List<StageConfig> stages, long seed, int maxLength,
        int maxPromptLength, int logProbChunk, ReportingConfig reporting, WeightStorage weightStorage) {

    /**
     * Validates the run.
     *
     * @throws IllegalArgumentException naming the field or stage, the constraint and the value
     */
    public AlignmentConfig {
        stages = stages == null ? List.of() : List.copyOf(stages);
        reporting = reporting == null ? ReportingConfig.defaults() : reporting;
        weightStorage = weightStorage == null ? WeightStorage.AUTO : weightStorage;
        if (stages.isEmpty() && locate == null) {
            throw new IllegalArgumentException("an alignment run needs at least one stage or a locate stage");
        }
        Set<String> names = new HashSet<>();
        for (StageConfig s : stages) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("stage names must be unique, got '" + s.name() + "' twice");
            }
            if (s.mask().needsScores() && locate == null) {
                throw new IllegalArgumentException("stage '" + s.name() + "' selects " + s.mask().kind()
                        + " neurons from importance scores, so the run needs a locate stage (locateNeurons)");
            }
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must be >= 2, got " + maxLength);
        }
        if (maxPromptLength < 1 || maxPromptLength >= maxLength) {
            throw new IllegalArgumentException("maxPromptLength must be in [1, maxLength=" + maxLength + "), got "
                    + maxPromptLength);
        }
        if (logProbChunk < 0) {
            throw new IllegalArgumentException("logProbChunk must be >= 0 (0 = unchunked), got " + logProbChunk);
        }
    }

    /**
     * A run with {@link WeightStorage#AUTO} weight storage.
     *
     * @param locate the locate stage, or null
     * @param stages the stages
     * @param seed the seed
     * @param maxLength the longest prompt + response
     * @param maxPromptLength the longest prompt
     * @param logProbChunk positions per log-prob chunk, 0 for unchunked
     * @param reporting logging interval, numbered checkpoints and report targets; null for the defaults
     */
    public AlignmentConfig(LocateConfig locate, List<StageConfig> stages, long seed, int maxLength,
            int maxPromptLength, int logProbChunk, ReportingConfig reporting) {
        this(locate, stages, seed, maxLength, maxPromptLength, logProbChunk, reporting, WeightStorage.AUTO);
    }

    /**
     * A run with {@link ReportingConfig#defaults()} reporting.
     *
     * @param locate the locate stage, or null
     * @param stages the stages
     * @param seed the seed
     * @param maxLength the longest prompt + response
     * @param maxPromptLength the longest prompt
     * @param logProbChunk positions per log-probability chunk, 0 for unchunked
     */
    public AlignmentConfig(LocateConfig locate, List<StageConfig> stages, long seed, int maxLength,
            int maxPromptLength, int logProbChunk) {
        this(locate, stages, seed, maxLength, maxPromptLength, logProbChunk, ReportingConfig.defaults());
    }

    /**
     * A run of these stages with default lengths (512 tokens, prompts up to 256) and seed 42.
     *
     * @param locate the locate stage, or null
     * @param stages the stages
     * @return the config
     */
    public static AlignmentConfig of(LocateConfig locate, List<StageConfig> stages) {
        return new AlignmentConfig(locate, stages, 42, 512, 256, 0);
    }

    /**
     * A copy with one more stage at the end.
     *
     * @param stage the stage
     * @return the copy
     */
    public AlignmentConfig withStage(StageConfig stage) {
        List<StageConfig> more = new ArrayList<>(stages);
        more.add(stage);
        return new AlignmentConfig(locate, more, seed, maxLength, maxPromptLength, logProbChunk, reporting,
                weightStorage);
    }

    /**
     * A copy with another seed.
     *
     * @param value the seed
     * @return the copy
     */
    public AlignmentConfig withSeed(long value) {
        return new AlignmentConfig(locate, stages, value, maxLength, maxPromptLength, logProbChunk, reporting,
                weightStorage);
    }

    /**
     * A copy with other length limits.
     *
     * @param length the longest prompt + response
     * @param promptLength the longest prompt
     * @return the copy
     */
    public AlignmentConfig withLengths(int length, int promptLength) {
        return new AlignmentConfig(locate, stages, seed, length, promptLength, logProbChunk, reporting,
                weightStorage);
    }

    /**
     * A copy with other reporting settings.
     *
     * @param value logging interval, numbered checkpoints and report targets
     * @return the copy
     */
    public AlignmentConfig withReporting(ReportingConfig value) {
        return new AlignmentConfig(locate, stages, seed, maxLength, maxPromptLength, logProbChunk, value,
                weightStorage);
    }

    /**
     * A copy with another weight storage.
     *
     * @param value how the weights no stage updates are held
     * @return the copy
     */
    public AlignmentConfig withWeightStorage(WeightStorage value) {
        return new AlignmentConfig(locate, stages, seed, maxLength, maxPromptLength, logProbChunk, reporting, value);
    }
}
