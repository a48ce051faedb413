package dev.allo.examples.bench;

import static dev.allo.examples.bench.BenchStats.median;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.allo.data.PaddingSide;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.impl.train.StageTrainer;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.Normalization;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import dev.allo.objective.ResponseLogProbs;
import dev.allo.optim.AdamWConfig;
import dev.allo.train.LoopConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Splits the {@link TrainingBenchmark}'s full-parameter DPO step (same model, batch and optimiser) into its phases,
 * to explain the live / cached reference ratio {@code (F + B + O + X + R) / (F + B + O + X)}: F the policy forward
 * (decoder trunk, then the head: logits, log-softmax, gather), B the backward pass, O the optimiser step, X the rest
 * (zeroing gradients, collating, the NaN and gradient checks, reading the cached reference log-probs, the
 * objective), and R the reference forward a live reference adds ({@link ReferenceLogProbs#compute}, trunk and head
 * also timed apart).
 *
 * <p>The phases are the public pieces the stage loop ({@link StageTrainer}) calls, re-timed one by one on a second
 * copy of the model; the real {@code StageTrainer.run()} of one step is timed in the same round, so the sum of the
 * phases can be checked against it. PyTorch runs CPU ops synchronously, so each phase's wall time is its own. F and B
 * are also split: a separate forward and backward of the decoder trunk alone (a random linear loss on the hidden
 * states) gives "F trunk" and "B trunk", so the head's share is F - F trunk and B - B trunk. Rounds are interleaved with warm-up rounds
 * first; medians and minima are printed. Arguments (optional): {@code --rounds N} (default 7), {@code --warmup N}
 * (default 2). Run: {@code ./mvnw -q -B -pl allo-examples -am -DskipTests compile exec:java
 * -Dexec.mainClass=dev.allo.examples.bench.TrainingStepProfile}.
 */
public final class TrainingStepProfile {
    private static final int BATCH = 8;
    private static final String[] PHASES = {"stage step, StageTrainer.run() (real)", "X zero gradients",
        "X collate", "X concat chosen + rejected", "F trunk (hiddenStates, separate run)",
        "F (TokenLogProbs.computeWithMeanLogits)",
        "X NaN check of the log-probs", "X cached reference log-probs", "X objective + loss read", "B backward",
        "X max |gradient| check", "O optimiser step (SparseAdamW, all-ones mask)",
        "R reference forward (ReferenceLogProbs.compute)", "R trunk (no gradient)", "R head (no gradient)",
        "B trunk (separate run)"};

    private TrainingStepProfile() {}

    /**
     * Runs the profile and prints one line per phase.
     *
     * @param args see the class documentation
     */
    public static void main(String[] args) {
        int rounds = BenchArgs.intOption(args, "--rounds", 7);
        int warmup = BenchArgs.intOption(args, "--warmup", 2);
        DecoderConfig config = DecoderConfig.builder().hiddenSize(256).intermediateSize(688).numHiddenLayers(4)
                .numAttentionHeads(4).vocabSize(8192).maxPositionEmbeddings(128).build();
        Device device = Device.cpu();
        List<TokenizedPair> pairs = TrainingBenchmark.pairs(config.vocabSize(), BATCH);
        AdamWConfig adamW = AdamWConfig.builder().learningRate(1e-6).build();
        double[][] times = new double[PHASES.length][rounds];
        PreferenceObjective objective = PreferenceObjective.of(ObjectiveConfig.Dpo.defaults());
        PreferenceCollator collator = new PreferenceCollator(PaddingSide.RIGHT, 1, 0);
        TokenLogProbs logProbs = TokenLogProbs.unchunked();
        try (DecoderModel staged = DecoderModel.random(config, device, 1);
                DecoderModel policy = DecoderModel.random(config, device, 1);
                DecoderModel ref = DecoderModel.random(config, device, 1);
                SparseAdamW stagedOpt = new SparseAdamW(adamW,
                        NeuronMask.all(NeuronMask.shapesOf(staged.parameters())), staged.parameters());
                SparseAdamW opt = new SparseAdamW(adamW,
                        NeuronMask.all(NeuronMask.shapesOf(policy.parameters())), policy.parameters());
                NDManager base = NDManager.newBaseManager(device)) {
            StageTrainer dpo = StageTrainer.builder().name("dpo").policy(staged).objective(objective)
                    .optimizer(stagedOpt).pairs(pairs).config(LoopConfig.of(BATCH, BATCH, 1).withMaxSteps(1)).build();
            dpo.reference();
            ReferenceLogProbs reference = ReferenceLogProbs.compute(policy, pairs, BATCH, logProbs, 0, "profile");
            for (int r = -warmup; r < rounds; r++) {
                double[] ms = new double[PHASES.length];
                long a = System.nanoTime();
                dpo.run();
                ms[0] = lap(a);
                policy.setTrainable(true);
                policyStep(policy, objective, collator, logProbs, reference, opt, pairs, base, ms);
                trunkOnly(policy, collator, pairs, base, ms);
                policy.setTrainable(false);
                a = System.nanoTime();
                ReferenceLogProbs.compute(ref, pairs, BATCH, logProbs, 0, "live");
                ms[12] = lap(a);
                referenceSplit(ref, collator, logProbs, pairs, base, ms);
                if (r >= 0) {
                    for (int i = 0; i < PHASES.length; i++) {
                        times[i][r] = ms[i];
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "engine %s, processors=%d, %d rounds, load %s%n",
                Engine.getInstance().getVersion(), Runtime.getRuntime().availableProcessors(), rounds,
                BenchStats.loadAverage());
        for (int i = 0; i < PHASES.length; i++) {
            System.out.printf(Locale.ROOT, "%-50s median %7.1f ms  min %7.1f ms%n", PHASES[i], median(times[i]),
                    BenchStats.min(times[i]));
        }
        double f = median(times[5]);
        double b = median(times[9]);
        double o = median(times[11]);
        double phases = 0;
        for (int i = 1; i <= 11; i++) {
            phases += i == 4 ? 0 : median(times[i]); // the trunk is part of F
        }
        double x = phases - f - b - o;
        double rf = median(times[12]);
        System.out.printf(Locale.ROOT, "F %.1f (head %.1f), B %.1f (B/F %.2f; head %.1f), O %.1f, X %.1f, R %.1f ms"
                + " (medians); sum of phases %.1f vs real step %.1f%n", f, f - median(times[4]), b, b / f,
                b - median(times[15]), o, x, rf, phases, median(times[0]));
        System.out.printf(Locale.ROOT, "live / cached = 1 + R / (F + B + O + X) = %.3f; with O = X = 0: %.3f%n",
                1 + rf / phases, 1 + rf / (f + b));
    }

    /** One DPO step of {@code policy} phase by phase, as {@link StageTrainer} runs it (one micro-batch). */
    private static void policyStep(DecoderModel policy, PreferenceObjective objective, PreferenceCollator collator,
            TokenLogProbs logProbs, ReferenceLogProbs reference, SparseAdamW opt, List<TokenizedPair> pairs,
            NDManager base, double[] ms) {
        long a = System.nanoTime();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (NDArray p : policy.parameters().values()) {
                if (p.hasGradient()) {
                    p.getGradient().set(new NDIndex("..."), 0f);
                }
            }
        }
        ms[1] = lap(a);
        try (NDManager step = base.newSubManager()) {
            a = System.nanoTime();
            PreferenceBatch batch = collator.collate(pairs, step);
            ms[2] = lap(a);
            try (NDScope scope = new NDScope();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                scope.suppressNotUsedWarning();
                a = System.nanoTime();
                NDArray[] both = concat(batch); // (2B, T) ids, attention, response
                ms[3] = lap(a);
                a = System.nanoTime();
                NDArray[] lp = logProbs.computeWithMeanLogits(policy, both[0], both[1], both[2]); // (2B, T) each
                ms[5] = lap(a);
                a = System.nanoTime();
                boolean finite = !lp[0].isNaN().logicalOr(lp[0].isInfinite()).any().getBoolean();
                ms[6] = lap(a);
                a = System.nanoTime();
                NDArray refChosen = reference.side(pairs, batch.chosen().responseMask(), true); // (B, T)
                NDArray refRejected = reference.side(pairs, batch.rejected().responseMask(), false);
                ms[7] = lap(a);
                a = System.nanoTime();
                ObjectiveOutput out = objective.compute(new PreferenceBatchLogProbs(
                        new ResponseLogProbs(lp[0].get("0:" + BATCH), refChosen, batch.chosen().responseMask(),
                                null, lp[1].get("0:" + BATCH)),
                        new ResponseLogProbs(lp[0].get(BATCH + ":"), refRejected, batch.rejected().responseMask(),
                                null, lp[1].get(BATCH + ":"))));
                NDArray loss = out.accumulationLoss(Map.of(Normalization.PAIRS, (double) BATCH));
                double value = loss.getFloat();
                ms[8] = lap(a);
                if (!finite || !Double.isFinite(value)) {
                    throw new IllegalStateException("non-finite log-probs or loss " + value);
                }
                a = System.nanoTime();
                collector.backward(loss);
                ms[9] = lap(a);
            }
        }
        a = System.nanoTime();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList maxima = new NDList();
            for (NDArray p : policy.parameters().values()) {
                maxima.add(p.getGradient().abs().max());
            }
            NDArrays.stack(maxima).max().getFloat();
        }
        ms[10] = lap(a);
        a = System.nanoTime();
        opt.step(policy.parameters());
        ms[11] = lap(a);
    }

    /** Forward and backward of the decoder trunk alone, with a random linear loss on the hidden states. */
    private static void trunkOnly(DecoderModel policy, PreferenceCollator collator, List<TokenizedPair> pairs,
            NDManager base, double[] ms) {
        try (NDManager step = base.newSubManager();
                NDScope scope = new NDScope();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            NDArray[] both = concat(collator.collate(pairs, step));
            long a = System.nanoTime();
            NDArray hidden = policy.hiddenStates(both[0], both[1]); // (2B, T, H)
            ms[4] = lap(a);
            NDArray loss = hidden.mul(step.randomNormal(hidden.getShape())).sum();
            a = System.nanoTime();
            collector.backward(loss);
            ms[15] = lap(a);
        }
    }

    /** The reference forward's trunk and head, without gradient. */
    private static void referenceSplit(DecoderModel ref, PreferenceCollator collator, TokenLogProbs logProbs,
            List<TokenizedPair> pairs, NDManager base, double[] ms) {
        try (NDManager step = base.newSubManager()) {
            NDArray[] both = concat(collator.collate(pairs, step));
            long a = System.nanoTime();
            NDArray hidden = ref.hiddenStates(both[0], both[1]); // (2B, T, H)
            ms[13] = lap(a);
            a = System.nanoTime();
            logProbs.fromHidden(ref, hidden, both[0], both[1], both[2]).toFloatArray();
            ms[14] = lap(a);
        }
    }

    private static NDArray[] concat(PreferenceBatch batch) {
        return new NDArray[] {
            NDArrays.concat(new NDList(batch.chosen().ids(), batch.rejected().ids()), 0),
            NDArrays.concat(new NDList(batch.chosen().attentionMask(), batch.rejected().attentionMask()), 0),
            NDArrays.concat(new NDList(batch.chosen().responseMask(), batch.rejected().responseMask()), 0)};
    }

    private static double lap(long start) {
        return (System.nanoTime() - start) / 1e6;
    }
}
