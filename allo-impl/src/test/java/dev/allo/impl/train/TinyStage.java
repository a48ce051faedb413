package dev.allo.impl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.tokenizer.ByteTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A tiny LLaMA over the byte vocabulary and tiny synthetic arithmetic preference pairs. */
final class TinyStage {
    static final DecoderConfig CONFIG = DecoderConfig.builder().hiddenSize(16).intermediateSize(32).numHiddenLayers(2)
            .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(ByteTokenizer.VOCAB_SIZE)
            .padTokenId(ByteTokenizer.PAD).initializerRange(0.05).build();
    static final int PAD = ByteTokenizer.PAD;

    private TinyStage() {}

    static DecoderModel model(long seed) {
        return DecoderModel.random(CONFIG, Device.cpu(), seed);
    }

    /** {@code n} pairs "a+b=" -> correct sum (chosen) vs. a wrong sum (rejected), of varying lengths. */
    static List<TokenizedPair> pairs(int n) {
        ByteTokenizer tok = ByteTokenizer.create();
        List<TokenizedPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int a = (i * 7) % 13;
            int b = (i * 5 + 3) % (4 + i % 9);
            String prompt = a + "+" + b + "=";
            String chosen = Integer.toString(a + b);
            String rejected = Integer.toString(a + b + 1 + i % 3) + (i % 2 == 0 ? "" : "!");
            int[] p = prepend(ByteTokenizer.BOS, tok.encode(prompt));
            int[] c = append(tok.encode(chosen), ByteTokenizer.EOS);
            int[] r = append(tok.encode(rejected), ByteTokenizer.EOS);
            out.add(TokenizedPair.unweighted(i, PreferenceExample.of(prompt, chosen, rejected), p, c, r,
                    Optional.empty()));
        }
        return out;
    }

    /** The pairs with rejected weights 1, 0, 0.5, 1, 0, 0.5, ... (the r_j of token-level NPO). */
    static List<TokenizedPair> weighted(List<TokenizedPair> pairs) {
        List<TokenizedPair> out = new ArrayList<>();
        for (TokenizedPair p : pairs) {
            float[] r = p.rejectedWeights();
            for (int j = 0; j < r.length; j++) {
                r[j] = (j + p.index()) % 3 == 0 ? 1f : (j + p.index()) % 3 == 1 ? 0f : 0.5f;
            }
            r[0] = 1f; // every row keeps a weighted token
            out.add(p.withWeights(p.chosenWeights(), r));
        }
        return out;
    }

    static AdamWConfig adamW(double lr) {
        return AdamWConfig.builder().learningRate(lr).weightDecay(0.0).schedule(LearningRateSchedule.constant())
                .build();
    }

    static NeuronMask all(DecoderModel model) {
        return NeuronMask.all(NeuronMask.shapesOf(model.parameters()));
    }

    static Map<String, float[]> weights(DecoderModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            out.put(e.getKey(), e.getValue().toFloatArray());
        }
        return out;
    }

    private static int[] prepend(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    private static int[] append(int[] head, int last) {
        int[] out = Arrays.copyOf(head, head.length + 1);
        out[head.length] = last;
        return out;
    }
}
