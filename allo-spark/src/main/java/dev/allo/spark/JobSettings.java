package dev.allo.spark;

import dev.allo.data.ReadOptions;
import dev.allo.data.TruncationPolicy;
import dev.allo.impl.data.PairEncoder;
import dev.allo.impl.model.TokenLogProbs;
import java.io.Serializable;
import java.util.Objects;

/**
 * What every job needs: the model, the tokenizer, the batching and the input checks.
 *
 * @param model the model's checkpoint directory, readable by every executor
 * @param tokenizer the tokenizer shared by the model and the data
 * @param batchSize rows per forward pass, at least 1 (see {@link LengthBatches})
 * @param partitions tasks that run the batches, at least 1; 0 means Spark's default parallelism
 * @param maxRejectFraction the job fails when more than this fraction of input rows cannot be parsed; 1 never fails
 * @param maxLength the pipeline's {@code maxLength} (prompt plus response tokens of a pair), default 512
 * @param maxPromptLength the pipeline's {@code maxPromptLength}, default 256
 * @param logProbChunk the pipeline's {@code logProbChunk} (0 = unchunked log-softmax)
 * @param overwrite whether an existing output is replaced
 * @param chatTemplateModel the model directory whose chat template renders conversational rows (TRL's
 *     conversational form), as the pipeline renders them when it reads the same file with
 *     {@code ModelChatTemplate.readOptions(dir)}; empty for {@link #model} (give the policy's directory for a
 *     scoring job, whose model is the rewriter)
 */
public record JobSettings(String model, TokenizerSource tokenizer, int batchSize, int partitions,
        double maxRejectFraction, int maxLength, int maxPromptLength, int logProbChunk, boolean overwrite,
        String chatTemplateModel) implements Serializable {

    /** Checks the values. */
    public JobSettings {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(chatTemplateModel, "chatTemplateModel");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions must be >= 0 (0 = Spark's default), got " + partitions);
        }
        if (!(maxRejectFraction >= 0 && maxRejectFraction <= 1)) {
            throw new IllegalArgumentException("maxRejectFraction must be in [0, 1], got " + maxRejectFraction);
        }
        TruncationPolicy.of(maxLength, maxPromptLength); // validates
        if (logProbChunk < 0) {
            throw new IllegalArgumentException("logProbChunk must be >= 0, got " + logProbChunk);
        }
    }

    /**
     * Defaults for a model: the byte tokenizer, batches of 8, Spark's parallelism, no reject limit, the pipeline's
     * default truncation (512 / 256) and unchunked log-probs.
     *
     * @param model the model's checkpoint directory
     * @return the settings
     */
    public static JobSettings of(String model) {
        return new JobSettings(model, TokenizerSource.bytes(), 8, 0, 1.0, 512, 256, 0, false, "");
    }

    /**
     * These settings with another tokenizer.
     *
     * @param value the tokenizer
     * @return new settings
     */
    public JobSettings withTokenizer(TokenizerSource value) {
        return new JobSettings(model, value, batchSize, partitions, maxRejectFraction, maxLength, maxPromptLength,
                logProbChunk, overwrite, chatTemplateModel);
    }

    /**
     * These settings with another batch size.
     *
     * @param value rows per forward pass
     * @return new settings
     */
    public JobSettings withBatchSize(int value) {
        return new JobSettings(model, tokenizer, value, partitions, maxRejectFraction, maxLength, maxPromptLength,
                logProbChunk, overwrite, chatTemplateModel);
    }

    /**
     * These settings with another number of partitions.
     *
     * @param value tasks, 0 for Spark's default parallelism
     * @return new settings
     */
    public JobSettings withPartitions(int value) {
        return new JobSettings(model, tokenizer, batchSize, value, maxRejectFraction, maxLength, maxPromptLength,
                logProbChunk, overwrite, chatTemplateModel);
    }

    /**
     * These settings with a reject limit.
     *
     * @param value the largest allowed fraction of unparseable rows
     * @return new settings
     */
    public JobSettings withMaxRejectFraction(double value) {
        return new JobSettings(model, tokenizer, batchSize, partitions, value, maxLength, maxPromptLength,
                logProbChunk, overwrite, chatTemplateModel);
    }

    /**
     * These settings with the pipeline's truncation.
     *
     * @param length {@code maxLength}
     * @param promptLength {@code maxPromptLength}
     * @return new settings
     */
    public JobSettings withTruncation(int length, int promptLength) {
        return new JobSettings(model, tokenizer, batchSize, partitions, maxRejectFraction, length, promptLength,
                logProbChunk, overwrite, chatTemplateModel);
    }

    /**
     * These settings with another model.
     *
     * @param value the model's checkpoint directory
     * @return new settings
     */
    public JobSettings withModel(String value) {
        return new JobSettings(value, tokenizer, batchSize, partitions, maxRejectFraction, maxLength, maxPromptLength,
                logProbChunk, overwrite, chatTemplateModel);
    }

    /**
     * These settings replacing (or not) an existing output.
     *
     * @param value whether to overwrite
     * @return new settings
     */
    public JobSettings withOverwrite(boolean value) {
        return new JobSettings(model, tokenizer, batchSize, partitions, maxRejectFraction, maxLength, maxPromptLength,
                logProbChunk, value, chatTemplateModel);
    }

    /**
     * These settings rendering conversational rows with another model's chat template.
     *
     * @param value the model directory, empty for {@link #model}
     * @return new settings
     */
    public JobSettings withChatTemplateModel(String value) {
        return new JobSettings(model, tokenizer, batchSize, partitions, maxRejectFraction, maxLength, maxPromptLength,
                logProbChunk, overwrite, value);
    }

    /**
     * How the pipeline reads conversational JSONL for these settings: with the chat template of
     * {@link #chatTemplateModel} (or {@link #model}) when that directory has one, else the paper's single-turn
     * template ({@code ModelChatTemplate.readOptions}); built once per JVM.
     *
     * @return the read options
     */
    public ReadOptions readOptions() {
        return ChatTemplates.readOptions(chatTemplateModel.isEmpty() ? model : chatTemplateModel);
    }

    /**
     * The pair encoder the pipeline uses with these truncation settings.
     *
     * @return a new encoder
     */
    public PairEncoder encoder() {
        return new PairEncoder(tokenizer.load(), TruncationPolicy.of(maxLength, maxPromptLength));
    }

    /**
     * The per-token log-prob calculator the pipeline uses with {@link #logProbChunk}.
     *
     * @return the calculator
     */
    public TokenLogProbs logProbs() {
        return logProbChunk > 0 ? TokenLogProbs.chunked(logProbChunk) : TokenLogProbs.unchunked();
    }

    int partitionsFor(org.apache.spark.sql.SparkSession spark) {
        return partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
    }
}
