package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import java.util.Map;

/**
 * One decoder layer, pre-norm, with the options of its family ({@link ModelFamily}):
 *
 * <pre>
 * q, k, v = q_proj(n1), k_proj(n1), v_proj(n1)        y = x W^T (+ b when the family has that bias)
 * q, k    = RMSNorm_head(q; q_norm), RMSNorm_head(k; k_norm)    per head of width d, Qwen3 only
 * h   = x + o_proj(Attention(RoPE(q), RoPE(k), v))                              n1 = RMSNorm(x; input_layernorm)
 * out = h + down_proj(silu(gate_proj(n2)) * up_proj(n2))                        n2 = RMSNorm(h; post_attention_layernorm)
 * Attention(q, k, v) = softmax(q k^T / sqrt(d) + mask) v, per head; key/value head j serves query heads
 *                      j * (n_h / n_kv) .. (j + 1) * (n_h / n_kv) - 1; with a sliding window W the mask
 *                      also hides keys more than W - 1 columns before the query
 * </pre>
 *
 * <p>Gemma 2 ({@link ModelFamily#gemmaBlocks()}) differs: every RMSNorm scales by {@code (1 + w)}; the attention
 * output is normalised by {@code post_attention_layernorm} before the residual; the MLP input by
 * {@code pre_feedforward_layernorm} and its output by {@code post_feedforward_layernorm}; the MLP is
 * {@code down(gelu_tanh(gate(n2)) * up(n2))}; scores are {@code c * tanh(s / c)} ({@code attn_logit_softcapping})
 * before the mask, with {@code s = q k^T / sqrt(query_pre_attn_scalar)}.
 *
 * <p>Projections use the Hugging Face {@code [out, in]} weights directly ({@code y = x W^T}).
 */
final class DecoderLayer {
    private final int index;
    private final NDArray qProj;
    private final NDArray kProj;
    private final NDArray vProj;
    private final NDArray oProj;
    private final NDArray qBias;
    private final NDArray kBias;
    private final NDArray vBias;
    private final NDArray oBias;
    private final NDArray qNorm;
    private final NDArray kNorm;
    private final Integer window;
    private final NDArray preFeedforwardNorm; // Gemma 2 only, else null
    private final NDArray postFeedforwardNorm;
    private final boolean gemma;
    private final Float attnSoftcap;
    private final NDArray gateProj;
    private final NDArray upProj;
    private final NDArray downProj;
    private final NDArray inputNorm;
    private final NDArray postAttentionNorm;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float eps;

    DecoderLayer(int index, DecoderConfig config, Map<String, NDArray> params) {
        this.index = index;
        qProj = params.get(DecoderNames.qProj(index));
        kProj = params.get(DecoderNames.kProj(index));
        vProj = params.get(DecoderNames.vProj(index));
        oProj = params.get(DecoderNames.oProj(index));
        qBias = params.get(DecoderNames.bias(DecoderNames.qProj(index))); // null when the family has none
        kBias = params.get(DecoderNames.bias(DecoderNames.kProj(index)));
        vBias = params.get(DecoderNames.bias(DecoderNames.vProj(index)));
        oBias = params.get(DecoderNames.bias(DecoderNames.oProj(index)));
        qNorm = params.get(DecoderNames.qNorm(index));
        kNorm = params.get(DecoderNames.kNorm(index));
        window = config.slidingWindow(index);
        gemma = config.family().gemmaBlocks();
        preFeedforwardNorm = params.get(DecoderNames.preFeedforwardLayerNorm(index));
        postFeedforwardNorm = params.get(DecoderNames.postFeedforwardLayerNorm(index));
        attnSoftcap = config.attnLogitSoftcapping() == null ? null : config.attnLogitSoftcapping().floatValue();
        gateProj = params.get(DecoderNames.gateProj(index));
        upProj = params.get(DecoderNames.upProj(index));
        downProj = params.get(DecoderNames.downProj(index));
        inputNorm = params.get(DecoderNames.inputLayerNorm(index));
        postAttentionNorm = params.get(DecoderNames.postAttentionLayerNorm(index));
        heads = config.numAttentionHeads();
        kvHeads = config.numKeyValueHeads();
        headDim = config.headDim();
        eps = (float) config.rmsNormEps();
    }

    /**
     * Runs the layer. Intermediate arrays live in a sub-manager that closes before returning.
     *
     * @param x {@code (B, T, H)} input; the output joins its manager
     * @param mask positions and additive mask for these tokens
     * @param queryRotary rotary tables for queries with the attention scale {@code 1/sqrt(d)} folded in
     * @param keyRotary rotary tables for keys
     * @param cache the key/value cache, or {@code null}
     * @return {@code (B, T, H)} output
     */
    NDArray forward(NDArray x, AttentionMask mask, NDArray[] queryRotary, NDArray[] keyRotary,
            KeyValueCache cache) {
        NDManager parent = x.getManager();
        try (NDManager scope = parent.newSubManager()) {
            x.tempAttach(scope);
            long batch = x.getShape().get(0);
            long tokens = x.getShape().get(1);
            NDArray n1 = norm(x, inputNorm); // (B, T, H)
            NDArray q = heads(linear(n1, qProj, qBias), batch, tokens, heads); // (B, n_h, T, d)
            NDArray k = heads(linear(n1, kProj, kBias), batch, tokens, kvHeads); // (B, n_kv, T, d)
            NDArray v = heads(linear(n1, vProj, vBias), batch, tokens, kvHeads); // (B, n_kv, T, d)
            if (qNorm != null) {
                q = RmsNorm.apply(q, qNorm, eps); // per head, over d
                k = RmsNorm.apply(k, kNorm, eps);
            }
            q = RotaryEmbedding.apply(q, queryRotary); // RoPE(q) / sqrt(d)
            k = RotaryEmbedding.apply(k, keyRotary);
            if (cache != null) {
                NDArray[] kv = cache.append(index, k, v);
                k = kv[0]; // (B, n_kv, S, d)
                v = kv[1];
            }
            if (kvHeads != heads) {
                k = k.repeat(1, heads / kvHeads); // (B, n_h, S, d)
                v = v.repeat(1, heads / kvHeads);
            }
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // (B, n_h, T, S), already scaled
            if (attnSoftcap != null) {
                scores = SoftCap.apply(scores, attnSoftcap); // c * tanh(s / c), before the mask
            }
            scores = scores.add(mask.additive(window));
            NDArray attended = scores.softmax(-1).matMul(v); // (B, n_h, T, d)
            NDArray merged = attended.transpose(0, 2, 1, 3).reshape(batch, tokens, (long) heads * headDim);
            NDArray attention = linear(merged, oProj, oBias); // (B, T, H)
            if (gemma) {
                attention = norm(attention, postAttentionNorm);
            }
            NDArray h = x.add(attention); // (B, T, H)
            NDArray n2 = norm(h, gemma ? preFeedforwardNorm : postAttentionNorm);
            NDArray gate = Linear.linear(n2, gateProj).singletonOrThrow(); // (B, T, I)
            NDArray up = Linear.linear(n2, upProj).singletonOrThrow(); // (B, T, I)
            NDArray act = (gemma ? GeluTanh.apply(gate) : gate.mul(Activation.sigmoid(gate))).mul(up);
            NDArray mlp = Linear.linear(act, downProj).singletonOrThrow(); // (B, T, H)
            if (gemma) {
                mlp = norm(mlp, postFeedforwardNorm);
            }
            NDArray out = h.add(mlp); // (B, T, H)
            out.attach(parent);
            return out;
        }
    }

    private NDArray norm(NDArray x, NDArray weight) {
        return gemma ? RmsNorm.applyUnitOffset(x, weight, eps) : RmsNorm.apply(x, weight, eps);
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
    }

    private static NDArray heads(NDArray projected, long batch, long tokens, int count) {
        return projected.reshape(batch, tokens, count, -1).transpose(0, 2, 1, 3); // (B, count, T, d)
    }
}
