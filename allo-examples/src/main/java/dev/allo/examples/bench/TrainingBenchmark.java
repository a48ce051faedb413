package dev.allo.examples.bench;

import static dev.allo.examples.bench.BenchStats.median;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.examples.bench.BenchmarkFigure.Comparison;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.impl.train.StageTrainer;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.train.LoopConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Measures, side by side in one run, the stage loop's optimiser step on the {@link ModelBenchmark} model (hidden
 * 256, 4 layers, 4 heads, intermediate 688, vocabulary 8192, untied head; batch 8 pairs of 32 prompt + 96 response
 * tokens, so each side is 8 x 128 tokens and one {@code 2B = 16}-row forward):
 *
 * <ul>
 *   <li><b>dpo-cached</b>: full-parameter DPO step (AdamW over every scalar) with cached reference log-probs;
 *   <li><b>reference forward</b>: what a live reference adds per step, a no-gradient forward of the reference model
 *       over the same 8 pairs ({@link ReferenceLogProbs#compute}); "dpo-live" = dpo-cached + reference forward, each
 *       part's median added (see {@link TrainingStepProfile} for the step split into its phases);
 *   <li><b>allo-learn</b>: an ALLO learning-stage step, token DPO (v = 0.2) with {@link SparseAdamW} on a random
 *       10% mask, cached reference.
 * </ul>
 *
 * Variants run interleaved, one step each per round (warm-up rounds first), so load from other processes hits all
 * of them alike; medians and minima are reported. Arguments (optional): {@code --rounds N} (default 9),
 * {@code --warmup N} (default 2). Run: {@code ./mvnw -q -B compile exec:java -pl allo-examples -am
 * -Dexec.mainClass=dev.allo.examples.bench.TrainingBenchmark}.
 */
public final class TrainingBenchmark {
    private static final int BATCH = 8;
    private static final int PROMPT = 32;
    private static final int RESPONSE = 95; // + EOS = 96
    private static final String NAME = "training";

    private TrainingBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args see the class documentation
     */
    public static void main(String[] args) {
        run(BenchArgs.intOption(args, "--rounds", 9), BenchArgs.intOption(args, "--warmup", 2));
    }

    /**
     * Runs the variants interleaved, prints the report, and returns the key figures: the live-reference DPO step
     * over the cached-reference one (target: at least 1.4) and the ALLO learning step over the cached-reference
     * full-parameter DPO step (target: at most 1), both on medians.
     *
     * @param rounds timed rounds
     * @param warmup untimed rounds before them
     * @return the key figures
     */
    public static List<BenchmarkFigure> run(int rounds, int warmup) {
        Engine engine = Engine.getInstance();
        System.out.printf(Locale.ROOT, "engine %s %s, processors=%d%n", engine.getEngineName(), engine.getVersion(),
                Runtime.getRuntime().availableProcessors());
        DecoderConfig config = DecoderConfig.builder().hiddenSize(256).intermediateSize(688).numHiddenLayers(4)
                .numAttentionHeads(4).vocabSize(8192).maxPositionEmbeddings(128).build();
        Device device = Device.cpu();
        List<TokenizedPair> pairs = pairs(config.vocabSize(), BATCH);
        LoopConfig stage = LoopConfig.of(BATCH, BATCH, 1).withMaxSteps(1);
        AdamWConfig adamW = AdamWConfig.builder().learningRate(1e-6).build();
        double[] cached = new double[rounds];
        double[] reference = new double[rounds];
        double[] learn = new double[rounds];
        try (DecoderModel full = DecoderModel.random(config, device, 1);
                DecoderModel sparse = DecoderModel.random(config, device, 1);
                DecoderModel ref = DecoderModel.random(config, device, 1);
                SparseAdamW fullOpt = new SparseAdamW(adamW,
                        NeuronMask.all(NeuronMask.shapesOf(full.parameters())), full.parameters());
                SparseAdamW sparseOpt = new SparseAdamW(adamW, randomMask(sparse, 0.10, 7), sparse.parameters())) {
            StageTrainer dpo = StageTrainer.builder().name("dpo").policy(full)
                    .objective(PreferenceObjective.of(ObjectiveConfig.Dpo.defaults())).optimizer(fullOpt)
                    .pairs(pairs).config(stage).build();
            StageTrainer allo = StageTrainer.builder().name("learn").policy(sparse)
                    .objective(PreferenceObjective.of(ObjectiveConfig.TokenDpo.defaults())).optimizer(sparseOpt)
                    .pairs(pairs).config(stage).build();
            dpo.reference();
            allo.reference();
            for (int r = -warmup; r < rounds; r++) {
                long t0 = System.nanoTime();
                dpo.run();
                long t1 = System.nanoTime();
                ReferenceLogProbs.compute(ref, pairs, BATCH, TokenLogProbs.unchunked(), 0, "bench");
                long t2 = System.nanoTime();
                allo.run();
                long t3 = System.nanoTime();
                if (r >= 0) {
                    cached[r] = (t1 - t0) / 1e6;
                    reference[r] = (t2 - t1) / 1e6;
                    learn[r] = (t3 - t2) / 1e6;
                }
            }
        }
        // live = cached + reference, from each part's own median: a per-round sum would pick up a load spike of
        // either part, so under contention its median runs high (seen: 1.46 where the parts' medians gave 1.31)
        double liveRatio = (median(cached) + median(reference)) / median(cached);
        System.out.printf(Locale.ROOT, "params=%d, batch=%d pairs x 2 sides x %d tokens, %d rounds, load %s%n",
                config.parameterCount(), BATCH, PROMPT + RESPONSE + 1, rounds, BenchStats.loadAverage());
        row("dpo-cached step", cached, cached);
        row("reference forward", reference, cached);
        System.out.printf(Locale.ROOT, "%-46s median %8.1f ms  min %8.1f ms  x dpo-cached %.3f%n",
                "dpo-live step (cached + reference)", median(cached) + median(reference),
                BenchStats.min(cached) + BenchStats.min(reference), liveRatio);
        row("allo-learn step (token DPO, SparseAdamW 10%)", learn, cached);
        System.out.printf(Locale.ROOT, "live / cached (medians): %.3f; allo-learn / dpo-cached (medians): %.3f%n",
                liveRatio, median(learn) / median(cached));
        return List.of(
                BenchmarkFigure.checked(NAME, "DPO step, live reference / cached reference log-probs (medians)",
                        liveRatio, "x", Comparison.AT_LEAST, 1.4),
                BenchmarkFigure.checked(NAME, "ALLO learn step (token DPO, SparseAdamW 10%) / full-parameter DPO"
                        + " step, cached reference (medians)", median(learn) / median(cached), "x",
                        Comparison.AT_MOST, 1.0));
    }

    private static void row(String name, double[] ms, double[] baseline) {
        System.out.printf(Locale.ROOT, "%-46s median %8.1f ms  min %8.1f ms  x dpo-cached %.3f%n", name, median(ms),
                BenchStats.min(ms), median(ms) / median(baseline));
    }

    /** {@code n} random pairs of 32 prompt tokens and 95 response tokens + EOS (seeded), shared by the profile. */
    static List<TokenizedPair> pairs(int vocab, int n) {
        SplittableRandom random = new SplittableRandom(3);
        List<TokenizedPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = random.ints(PROMPT, 1, vocab).toArray();
            int[] chosen = Arrays.copyOf(random.ints(RESPONSE, 1, vocab).toArray(), RESPONSE + 1);
            int[] rejected = Arrays.copyOf(random.ints(RESPONSE, 1, vocab).toArray(), RESPONSE + 1);
            out.add(TokenizedPair.unweighted(i, PreferenceExample.of("p" + i, "c" + i, "r" + i), prompt, chosen,
                    rejected, Optional.empty()));
        }
        return out;
    }

    /** A uniformly random mask of {@code ceil(ratio * n)} scalars per tensor. */
    private static NeuronMask randomMask(DecoderModel model, double ratio, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NeuronMask.Builder b = NeuronMask.builder();
        model.parameters().forEach((name, p) -> {
            int n = (int) p.size();
            int k = (int) Math.ceil(ratio * n);
            b.add(name, p.getShape(), random.ints(0, n).distinct().limit(k).sorted().toArray());
        });
        return b.build();
    }
}
