package dev.allo.impl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A decoder-only causal language model of one of the supported families ({@code LlamaForCausalLM},
 * {@code MistralForCausalLM}, {@code Qwen2ForCausalLM}, {@code Qwen3ForCausalLM}, {@code Gemma2ForCausalLM}; see
 * {@link ModelFamilies}) built from DJL operations.
 *
 * <pre>
 * x_0     = embed_tokens[ids]                                  (B, T, H)
 * x_l     = DecoderLayer_l(x_{l-1}),  l = 1 .. L               (RMSNorm, RoPE attention with GQA, SwiGLU MLP,
 *                                                               plus the family's biases, q/k norms, windows)
 * hidden  = RMSNorm(x_L; model.norm.weight)                    (B, T, H)
 *           (Gemma 2: x_0 scaled by sqrt(H), (1 + w) norms, logits soft-capped; see DecoderLayer)
 * logits  = hidden W^T,  W = lm_head.weight, or embed_tokens when tied   (B, T, V)
 * </pre>
 *
 * <p>Parameters are plain float32 arrays named and shaped exactly as the family's Hugging Face class
 * ({@link DecoderConfig#parameterShapes()} gives the names, shapes and order).
 *
 * <p><b>Dynamic NTK scaling.</b> With {@code rope_type "dynamic"} the rotary frequencies of a pass are computed
 * from its largest position ({@link RopeScaling}), as {@code transformers} does per forward call. With a key/value
 * cache the cached keys keep the rotation of the pass that computed them, so cached and uncached generation differ
 * once a sequence grows past {@code max_position_embeddings}, exactly as in {@code transformers}' {@code generate}.
 *
 * <p><b>Positions.</b> Rotary positions are computed from the attention mask as Hugging Face's {@code generate}
 * does ({@code cumsum(mask) - 1}, clamped at 0), so padding anywhere in a row (left, right, or between pieces) leaves
 * the real tokens' logits as they are without it. Hugging Face's plain {@code forward} without {@code position_ids}
 * uses {@code 0 .. T-1} instead: the same for unpadded and right-padded input, equal up to rounding for left padding
 * (rotary attention depends only on position differences), different for a mask with holes. Padding query rows
 * produce finite values that carry no meaning.
 *
 * <p><b>Memory.</b> Results of {@link #hiddenStates}, {@link #logits} and {@link #forward} belong to the manager of
 * their first input; intermediate arrays are released layer by layer.
 *
 * <p>Not thread-safe.
 */
public final class DecoderModel implements CausalLm {
    private final DecoderConfig config;
    private final Device device;
    private final NDManager manager;
    private Map<String, NDArray> parameters;
    private Map<String, HalfWeight> halfWeights; // weights held in 16 bits (storeInHalf), by name
    private Map<String, NDArray> masterIndex; // (K_t) int32 flat indices of a 16-bit weight's float32 masters (holdInHalf)
    private HalfWeight.Bf16Table bf16Table; // built by the first BF16 storeInHalf, shared with views and copies
    private DecoderLayer[] layers; // null entries: the layer has 16-bit weights and is built per pass
    private final RotaryEmbedding rotary; // null for dynamic scaling: built per pass
    private final float attentionScale;
    private final boolean ownsManager;
    private boolean trainable;

    private DecoderModel(DecoderConfig config, NDManager manager, Map<String, NDArray> parameters) {
        this(config, manager, parameters, true);
    }

    private DecoderModel(DecoderConfig config, NDManager manager, Map<String, NDArray> parameters, boolean ownsManager) {
        this(config, manager, parameters, Map.of(), Map.of(), null, ownsManager);
    }

    private DecoderModel(DecoderConfig config, NDManager manager, Map<String, NDArray> parameters,
            Map<String, HalfWeight> halfWeights, Map<String, NDArray> masterIndex, HalfWeight.Bf16Table bf16Table,
            boolean ownsManager) {
        this.ownsManager = ownsManager;
        this.config = config;
        this.manager = manager;
        this.device = manager.getDevice();
        this.bf16Table = bf16Table;
        setWeights(parameters, halfWeights, masterIndex);
        this.rotary = config.ropeScaling().dependsOnLength() ? null : RotaryEmbedding.of(config, 0);
        this.attentionScale = (float) (1.0 / Math.sqrt(config.queryPreAttnScalar() != null
                ? config.queryPreAttnScalar() : config.headDim()));
    }

    private void setWeights(Map<String, NDArray> floatWeights, Map<String, HalfWeight> half,
            Map<String, NDArray> masters) {
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(floatWeights));
        this.halfWeights = Collections.unmodifiableMap(new LinkedHashMap<>(half));
        this.masterIndex = Collections.unmodifiableMap(new LinkedHashMap<>(masters));
        this.layers = new DecoderLayer[config.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = hasHalfWeight("model.layers." + i + ".") ? null : new DecoderLayer(i, config, parameters);
        }
    }

    private boolean hasHalfWeight(String prefix) {
        for (String name : halfWeights.keySet()) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A model with Hugging Face's initialisation: every projection and the embedding drawn from
     * {@code N(0, initializer_range^2)} (the row of {@code pad_token_id}, if set, zeroed as {@code nn.Embedding}
     * does with a padding index), every projection bias 0, every RMSNorm weight 1 (Gemma's offsets 0). The draws
     * come from a {@link SplittableRandom} seeded with
     * {@code seed}, tensor by tensor in {@link DecoderConfig#parameterShapes()} order, so they do not depend on the
     * device or on the engine's random state.
     *
     * @param config the configuration
     * @param device where the parameters live
     * @param seed the random seed
     * @return the model, not trainable until {@link #setTrainable(boolean)}; the caller closes it
     */
    public static DecoderModel random(DecoderConfig config, Device device, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NDManager manager = NDManager.newBaseManager(device);
        Map<String, NDArray> params = new LinkedHashMap<>();
        float std = (float) config.initializerRange();
        for (Map.Entry<String, Shape> e : config.parameterShapes().entrySet()) {
            Shape shape = e.getValue();
            float[] data = new float[Math.toIntExact(shape.size())];
            if (e.getKey().endsWith(".bias")) {
                Arrays.fill(data, 0f); // projection biases start at 0, as transformers' _init_weights
            } else if (shape.dimension() == 1) {
                // RMSNorm weights (also q_norm / k_norm) start at 1; Gemma's (1 + w) weights at 0
                Arrays.fill(data, config.family().gemmaBlocks() ? 0f : 1f);
            } else {
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (random.nextGaussian() * std);
                }
            }
            if (e.getKey().equals(DecoderNames.EMBED_TOKENS) && config.padTokenId() != null) {
                int row = config.padTokenId() * config.hiddenSize();
                Arrays.fill(data, row, row + config.hiddenSize(), 0f);
            }
            NDArray array = manager.create(data, shape);
            array.setName(e.getKey());
            params.put(e.getKey(), array);
        }
        return new DecoderModel(config, manager, params);
    }

    /**
     * A model from named tensors, for example those of a checkpoint. Every tensor named by
     * {@link DecoderConfig#parameterShapes()} must be present with exactly that shape and a floating-point type, and
     * no other tensor may be present. The tensors are copied to float32 on {@code device}; the caller keeps owning
     * (and closes) the arrays it passed.
     *
     * @param config the configuration
     * @param tensors tensors by Hugging Face name
     * @param device where the parameters live
     * @return the model, not trainable until {@link #setTrainable(boolean)}; the caller closes it
     * @throws IllegalArgumentException naming every missing or unexpected tensor, or the first tensor whose shape
     *     or type is wrong, with the expected and actual values
     */
    public static DecoderModel fromTensors(DecoderConfig config, Map<String, NDArray> tensors, Device device) {
        Map<String, Shape> expected = config.parameterShapes();
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!tensors.containsKey(name)) {
                missing.add(name);
            }
        }
        List<String> extra = new ArrayList<>();
        for (String name : tensors.keySet()) {
            if (!expected.containsKey(name)) {
                extra.add(name);
            }
        }
        if (!missing.isEmpty() || !extra.isEmpty()) {
            StringBuilder msg = new StringBuilder("Tensors do not match the config (model_type="
                    + config.modelType() + ", num_hidden_layers=" + config.numHiddenLayers() + ", tie_word_embeddings="
                    + config.tieWordEmbeddings() + ", q/k/v bias=" + config.qkvBias() + ", o bias="
                    + config.outputBias() + ", q/k norm=" + config.family().qkNorm() + ")");
            if (!missing.isEmpty()) {
                msg.append("; missing ").append(missing.size()).append(": ").append(abbreviate(missing));
            }
            if (!extra.isEmpty()) {
                msg.append("; unexpected ").append(extra.size()).append(": ").append(abbreviate(extra));
            }
            throw new IllegalArgumentException(msg.toString());
        }
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            NDArray t = tensors.get(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException("Tensor " + e.getKey() + " is null");
            }
            if (!t.getShape().equals(e.getValue())) {
                throw new IllegalArgumentException("Tensor " + e.getKey() + " has shape " + t.getShape()
                        + ", expected " + e.getValue() + " from the config (" + describeSizes(config) + ")");
            }
            if (!t.getDataType().isFloating()) {
                throw new IllegalArgumentException("Tensor " + e.getKey() + " has type " + t.getDataType()
                        + ", expected a floating-point type");
            }
        }
        NDManager manager = NDManager.newBaseManager(device);
        try {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (String name : expected.keySet()) {
                params.put(name, OwnedArrays.float32Copy(tensors.get(name), manager, name));
            }
            return new DecoderModel(config, manager, params);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A model that takes ownership of freshly read weights without copying them (the checkpoint loader's path).
     *
     * @param config the configuration
     * @param floats float32 weights on {@code manager}'s device, owned by {@code manager}
     * @param half 16-bit weights, their arrays owned by {@code manager}
     * @param manager becomes the model's manager; closed by the model
     * @return the model, not trainable
     * @throws IllegalArgumentException if the weights do not cover the config's names and shapes exactly
     */
    static DecoderModel adopt(DecoderConfig config, Map<String, NDArray> floats, Map<String, HalfWeight> half,
            NDManager manager) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        Map<String, HalfWeight> halves = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : config.parameterShapes().entrySet()) {
            NDArray f = floats.get(e.getKey());
            HalfWeight h = half.get(e.getKey());
            Shape actual = f != null ? f.getShape() : h != null ? h.shape() : null;
            if (actual == null || (f != null && h != null)) {
                throw new IllegalArgumentException("Tensor " + e.getKey() + (actual == null ? " is missing"
                        : " is given twice"));
            }
            if (!actual.equals(e.getValue()) || (f != null && f.getDataType() != DataType.FLOAT32)) {
                throw new IllegalArgumentException("Tensor " + e.getKey() + " has shape " + actual + ", expected "
                        + e.getValue() + " from the config (" + describeSizes(config) + ")");
            }
            if (f != null) {
                f.setName(e.getKey());
                params.put(e.getKey(), f);
            } else {
                halves.put(e.getKey(), h);
            }
        }
        if (params.size() + halves.size() != floats.size() + half.size()) {
            throw new IllegalArgumentException("unexpected tensors beside the config's " + params.size() + halves.size()
                    + " weights");
        }
        boolean bf16 = halves.values().stream().anyMatch(h -> h.format() == HalfFormat.BF16);
        return new DecoderModel(config, manager, params, halves, Map.of(),
                bf16 ? new HalfWeight.Bf16Table(manager) : null, true);
    }

    /**
     * A view of this model whose forward passes use {@code overrides} in place of the parameters of the same names,
     * for example effective weights {@code W0 + dW} computed inside the caller's step (LoRA, ILA gates). The view
     * holds no storage of its own: it reads this model's other parameters and the given arrays as they are at each
     * call, so gradients flow to the overriding arrays (and to whatever they were computed from) when they are
     * computed under a {@code GradientCollector}. Building a view costs a few small objects; this model's own forward
     * path is unchanged.
     *
     * <p>The view's {@link #parameters()} are the merged map (overrides in place); {@link #copy(Device)} makes a
     * standalone model of those effective weights; {@link #close()} on a view does nothing (the caller keeps owning
     * the overriding arrays, this model its parameters). A view must not outlive either.
     *
     * @param overrides arrays by parameter name, each float32 with the parameter's shape, on this model's device
     * @return the view
     * @throws IllegalArgumentException naming a tensor that is not a parameter, or whose shape, type or device
     *     differs from the parameter's
     */
    public DecoderModel withWeights(Map<String, NDArray> overrides) {
        Map<String, NDArray> merged = new LinkedHashMap<>();
        Map<String, HalfWeight> half = new LinkedHashMap<>(halfWeights);
        Map<String, NDArray> masters = new LinkedHashMap<>(masterIndex);
        for (Map.Entry<String, NDArray> e : overrides.entrySet()) {
            Shape current = weightShape(e.getKey());
            NDArray w = e.getValue();
            if (current == null) {
                throw new IllegalArgumentException("override '" + e.getKey() + "' is not a parameter of this model");
            }
            if (!w.getShape().equals(current) || w.getDataType() != DataType.FLOAT32
                    || !w.getDevice().equals(device)) {
                throw new IllegalArgumentException("override '" + e.getKey() + "' must be float32 " + current
                        + " on " + device + ", got " + w.getDataType() + " " + w.getShape() + " on " + w.getDevice());
            }
            half.remove(e.getKey()); // an override of a 16-bit weight is used as given, in float32
            masters.remove(e.getKey());
        }
        for (String name : config.parameterShapes().keySet()) {
            NDArray w = overrides.containsKey(name) ? overrides.get(name) : parameters.get(name);
            if (w != null) {
                merged.put(name, w);
            }
        }
        DecoderModel view = new DecoderModel(config, manager, merged, half, masters, bf16Table, false);
        view.trainable = trainable;
        return view;
    }

    /**
     * The configuration this model was built from.
     *
     * @return the configuration
     */
    public DecoderConfig config() {
        return config;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the arrays are not 2-D of the same shape or an id is outside
     *     {@code [0, V)}
     */
    @Override
    public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask) {
        return hiddenStates(inputIds, attentionMask, null);
    }

    /**
     * Runs the decoder stack on new tokens, reusing and extending a key/value cache.
     *
     * @param inputIds {@code (B, T)} int64 ids of the new tokens
     * @param attentionMask {@code (B, S + T)} padding mask of the cached and the new tokens, 1 for real tokens
     * @param cache the cache holding the {@code S} earlier tokens of these sequences (from
     *     {@link #newKeyValueCache()}), extended by {@code T}; or {@code null} for no cache
     * @return {@code (B, T, H)} float32 hidden states of the new tokens after the final norm, owned by the manager
     *     of {@code inputIds}
     * @throws IllegalArgumentException if the shapes disagree or an id is outside {@code [0, V)}
     */
    public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask, KeyValueCache cache) {
        NDManager owner = inputIds.getManager();
        try (NDManager scope = owner.newSubManager(device)) {
            PassInputs pass = prepare(inputIds, attentionMask, cache, scope);
            NDArray x = embed(pass.ids(), scope); // (B, T, H)
            for (int i = 0; i < layers.length; i++) {
                x = runLayer(i, pass, x, cache);
            }
            if (cache != null) {
                cache.advance(pass.tokens());
            }
            NDArray hidden = finalNorm(x);
            hidden.attach(owner);
            return hidden;
        }
    }

    /**
     * What every layer of one pass reads besides its input: the ids on this device, the attention mask and the
     * rotary tables of the pass's positions.
     *
     * @param ids {@code (B, T)} int64 ids on the model's device
     * @param attention positions and additive mask
     * @param queryRotary rotary tables for queries, the attention scale folded in
     * @param keyRotary rotary tables for keys
     * @param tokens T
     */
    record PassInputs(NDArray ids, AttentionMask attention, NDArray[] queryRotary, NDArray[] keyRotary,
            int tokens) {}

    /**
     * Checks the shapes and ids of a pass and builds its {@link PassInputs} in {@code scope}.
     *
     * @throws IllegalArgumentException if the shapes disagree or an id is outside {@code [0, V)}
     */
    PassInputs prepare(NDArray inputIds, NDArray attentionMask, KeyValueCache cache, NDManager scope) {
        Shape idShape = inputIds.getShape();
        if (idShape.dimension() != 2) {
            throw new IllegalArgumentException("inputIds must be (B, T), got shape " + idShape);
        }
        long past = cache == null ? 0 : cache.length();
        Shape expectedMask = new Shape(idShape.get(0), past + idShape.get(1));
        if (!attentionMask.getShape().equals(expectedMask)) {
            throw new IllegalArgumentException("attentionMask must have shape " + expectedMask
                    + " (batch, cached + new tokens), got " + attentionMask.getShape());
        }
        checkTokenIds(inputIds);
        NDArray ids = ScopedArrays.borrow(inputIds, device, DataType.INT64, scope);
        NDArray mask = ScopedArrays.borrow(attentionMask, device, attentionMask.getDataType(), scope);
        int tokens = Math.toIntExact(idShape.get(1));
        AttentionMask attention = AttentionMask.of(mask, tokens, scope);
        RotaryEmbedding rope = rotary != null ? rotary
                : RotaryEmbedding.of(config, (long) attention.positions.max().getFloat() + 1);
        NDArray[] keyRotary = rope.tables(attention.positions, 1f); // (B, 1, T, d) each
        NDArray[] queryRotary = rope.tables(attention.positions, attentionScale);
        return new PassInputs(ids, attention, queryRotary, keyRotary, tokens);
    }

    /** {@code x_0 = embed_tokens[ids]} ({@code * sqrt(H)} for Gemma), {@code (B, T, H)}; scratch in {@code scope}. */
    NDArray embed(NDArray ids, NDManager scope) {
        HalfWeight halfEmbedding = halfWeights.get(DecoderNames.EMBED_TOKENS);
        NDArray x;
        if (halfEmbedding == null) {
            x = Embedding.embedding(ids, parameters.get(DecoderNames.EMBED_TOKENS), SparseFormat.DENSE)
                    .singletonOrThrow(); // (B, T, H)
        } else if (!masterIndex.containsKey(DecoderNames.EMBED_TOKENS)) {
            x = halfEmbedding.rows(ids, bf16Table, scope); // widened rows only
        } else {
            try (NDManager widened = scope.newSubManager()) { // the (V, H) weight lives only for the lookup
                x = Embedding.embedding(ids, floatWeight(DecoderNames.EMBED_TOKENS, widened), SparseFormat.DENSE)
                        .singletonOrThrow(); // (B, T, H); the lookup's graph keeps the ids, not the weight
                x.attach(scope);
            }
        }
        if (config.family().gemmaBlocks()) {
            // Gemma: x * sqrt(H), the factor rounded to the hidden dtype (float32) as transformers does.
            x = x.mul(scope.create((float) Math.sqrt(config.hiddenSize())));
        }
        return x;
    }

    /** The number of decoder layers, L. */
    int layerCount() {
        return layers.length;
    }

    /** {@code RMSNorm(x_L; model.norm.weight)}, {@code (B, T, H)}, in {@code x}'s manager. */
    NDArray finalNorm(NDArray x) {
        NDArray finalNorm = floatWeight(DecoderNames.FINAL_NORM, x.getManager());
        float eps = (float) config.rmsNormEps();
        return config.family().gemmaBlocks() ? RmsNorm.applyUnitOffset(x, finalNorm, eps)
                : RmsNorm.apply(x, finalNorm, eps);
    }

    /**
     * Runs decoder layer {@code i} on {@code x}, {@code (B, T, H)} in and out (the output joins {@code x}'s
     * manager); a layer with 16-bit weights is built for this pass from its weights widened to
     * float32, which are released when the layer returns (a gradient graph keeps what its backward pass needs).
     */
    NDArray runLayer(int i, PassInputs pass, NDArray x, KeyValueCache cache) {
        AttentionMask attention = pass.attention();
        NDArray[] queryRotary = pass.queryRotary();
        NDArray[] keyRotary = pass.keyRotary();
        if (layers[i] != null) {
            return layers[i].forward(x, attention, queryRotary, keyRotary, cache);
        }
        try (NDManager widened = x.getManager().newSubManager()) {
            Map<String, NDArray> weights = new LinkedHashMap<>(parameters);
            String prefix = "model.layers." + i + ".";
            for (Map.Entry<String, HalfWeight> e : halfWeights.entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    weights.put(e.getKey(), floatWeight(e.getKey(), widened));
                }
            }
            return new DecoderLayer(i, config, weights).forward(x, attention, queryRotary, keyRotary, cache);
        }
    }

    /**
     * A float32 weight: the parameter itself, or a 16-bit weight widened into {@code scope} with its float32 masters
     * put in place ({@link #holdInHalf}: {@code W[i_k] = m_k}, differentiable in {@code m}).
     */
    private NDArray floatWeight(String name, NDManager scope) {
        HalfWeight half = halfWeights.get(name);
        if (half == null) {
            return parameters.get(name);
        }
        NDArray index = masterIndex.get(name);
        if (index == null) {
            return half.widen(bf16Table, scope); // shape of the weight
        }
        try (NDManager step = scope.newSubManager()) { // the plain widened copy and the indices are freed here
            NDArray widened = half.widen(bf16Table, step);
            index.tempAttach(step);
            NDArray wide = index.toType(DataType.INT64, false); // (K_t); the graph keeps its own reference
            NDArray weight = widened.put(wide, parameters.get(name)); // a new array: widened's values, m at i_k
            weight.attach(scope);
            return weight;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code logits = hidden W^T} with {@code W = lm_head.weight}, or {@code model.embed_tokens.weight} when
     * {@code tie_word_embeddings} is set.
     */
    @Override
    public NDArray logits(NDArray hidden) {
        String headName = config.tieWordEmbeddings() ? DecoderNames.EMBED_TOKENS : DecoderNames.LM_HEAD;
        NDArray logits;
        if (halfWeights.containsKey(headName)) {
            try (NDManager widened = hidden.getManager().newSubManager()) {
                NDArray head = floatWeight(headName, widened); // (V, H), released after use
                logits = Linear.linear(hidden, head).singletonOrThrow(); // (..., V)
                logits.attach(hidden.getManager());
            }
        } else {
            logits = Linear.linear(hidden, parameters.get(headName)).singletonOrThrow(); // (..., V)
        }
        Double cap = config.finalLogitSoftcapping();
        return cap == null ? logits : SoftCap.apply(logits, cap.floatValue()); // Gemma 2: c * tanh(z / c)
    }

    /**
     * A new, empty key/value cache for {@link #hiddenStates(NDArray, NDArray, KeyValueCache)}.
     *
     * @return the cache; the caller closes it
     */
    public KeyValueCache newKeyValueCache() {
        return new KeyValueCache(manager, layers.length);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Weights held in 16 bits ({@link #storeInHalf}) are not parameters: they are frozen, and no optimiser may
     * change them; one held with float32 masters ({@link #holdInHalf}) appears here as its {@code (K_t)} master
     * values. {@link #weightNames()} names every weight, {@link #weight(String, NDManager)} gives any weight in
     * float32.
     */
    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /**
     * Holds weights in 16 bits from now on, for weights that no optimiser step changes (outside every stage's mask,
     * the frozen base under LoRA, a reference model): each is narrowed to {@code format} (round to nearest, ties to
     * even; exact for a weight read from a checkpoint of that format, see {@link HalfFormat}), its float32 array is
     * released, and every forward pass widens it again (exactly) where it is used, layer by layer. The weights
     * leave {@link #parameters()}; the remaining parameters are unchanged (the map is a new one).
     *
     * @param names the weights to hold in 16 bits, each a float32 parameter of this model
     * @param format the 16-bit format
     * @throws IllegalArgumentException if {@code names} is empty, names a weight this model does not have or one
     *     already held in 16 bits, or (F16) a value overflows F16
     * @throws IllegalStateException on a view ({@link #withWeights}) or while the model is trainable
     */
    public void storeInHalf(Set<String> names, HalfFormat format) {
        checkMayHold("storeInHalf");
        if (names.isEmpty()) {
            throw new IllegalArgumentException("storeInHalf needs at least one weight: nothing to hold in 16 bits");
        }
        for (String name : names) {
            if (!parameters.containsKey(name) || halfWeights.containsKey(name)) {
                throw new IllegalArgumentException("cannot hold '" + name + "' in 16 bits: "
                        + (halfWeights.containsKey(name) ? "it already is" : "not a weight of this model ("
                        + config.modelType() + ", " + config.numHiddenLayers() + " layers)"));
            }
        }
        if (format == HalfFormat.BF16 && bf16Table == null) {
            bf16Table = new HalfWeight.Bf16Table(manager);
        }
        Map<String, HalfWeight> narrowed = new LinkedHashMap<>();
        try {
            for (String name : names) {
                narrowed.put(name, HalfWeight.narrow(name, parameters.get(name), format, manager));
            }
        } catch (RuntimeException e) {
            narrowed.values().forEach(h -> h.stored().close());
            throw e;
        }
        Map<String, NDArray> remaining = new LinkedHashMap<>();
        Map<String, HalfWeight> half = new LinkedHashMap<>();
        for (String name : config.parameterShapes().keySet()) {
            if (narrowed.containsKey(name)) {
                half.put(name, narrowed.get(name));
                parameters.get(name).close();
            } else if (halfWeights.containsKey(name)) {
                half.put(name, halfWeights.get(name));
            } else {
                remaining.put(name, parameters.get(name));
            }
        }
        setWeights(remaining, half, masterIndex);
    }

    /**
     * Holds every weight in 16 bits except float32 master values of the scalars {@code trained} selects: the
     * storage of a run in which only those scalars ever change. A weight that {@code trained} selects entirely stays
     * a float32 parameter; one it selects partly is held in 16 bits and its {@code K_t} selected scalars become a
     * float32 parameter of shape {@code (K_t)} under the weight's name (with their int32 flat indices); one it does
     * not select is held in 16 bits and is no parameter. Wherever the weight is used it is
     *
     * <pre>
     * W = widen(W16) with W[i_k] = m_k, k = 1 .. K_t        (the engine's put: differentiable in m)
     * </pre>
     *
     * so the forward pass sees, for a weight read from a checkpoint of {@code format}, exactly the float32 values
     * it saw before, and the backward pass gives each master {@code dL/dm_k = (dL/dW)[i_k]}: the dense gradient of
     * {@code W} exists only while its layer's backward pass runs, and the parameters' gradients are {@code K_t}
     * floats. The masters start at the weight's exact float32 values (not the rounded ones). Memory: 2 bytes per
     * scalar plus 8 (master and index) per selected scalar of a partly selected weight, instead of 4 per scalar.
     *
     * @param trained the union of the masks of every stage that will train this model; must match the parameters
     * @param format the 16-bit format
     * @return the names now held in 16 bits (with or without masters)
     * @throws IllegalArgumentException if the mask does not fit the model, or selects every scalar of every weight
     *     (nothing would be held in 16 bits), or (F16) a value overflows F16
     * @throws IllegalStateException on a view, while the model is trainable, or when weights are already held in
     *     16 bits
     */
    public Set<String> holdInHalf(NeuronMask trained, HalfFormat format) {
        checkMayHold("holdInHalf");
        if (!halfWeights.isEmpty()) {
            throw new IllegalStateException("holdInHalf on a model that already holds " + halfWeights.size()
                    + " weights in 16 bits; call it on a model of float32 weights");
        }
        trained.checkMatches(parameters);
        Set<String> held = new LinkedHashSet<>();
        for (String name : parameters.keySet()) {
            if (!trained.isFull(name)) {
                held.add(name);
            }
        }
        if (held.isEmpty()) {
            throw new IllegalArgumentException("the mask (" + trained + ") selects every scalar of every one of the "
                    + parameters.size() + " weights, so every weight is trained in float32 and 16-bit storage would"
                    + " save nothing; use it with a mask that leaves some scalars unselected, or not at all");
        }
        Map<String, NDArray> masters = new LinkedHashMap<>();
        Map<String, NDArray> indices = new LinkedHashMap<>();
        try (NDManager scratch = manager.newSubManager()) {
            for (String name : held) {
                if (trained.selectedCount(name) > 0) {
                    NDArray index = manager.create(trained.indices(name)); // (K_t) int32
                    NDArray wide = index.toType(DataType.INT64, false); // (K_t)
                    wide.attach(scratch);
                    NDArray flat = parameters.get(name).reshape(-1); // (n) view
                    flat.attach(scratch);
                    NDArray master = flat.take(manager, wide); // (K_t) exact values
                    master.setName(name);
                    index.setName(name + ".indices");
                    masters.put(name, master);
                    indices.put(name, index);
                }
            }
        }
        storeInHalf(held, format);
        Map<String, NDArray> withMasters = new LinkedHashMap<>();
        for (String name : config.parameterShapes().keySet()) {
            NDArray p = parameters.containsKey(name) ? parameters.get(name) : masters.get(name);
            if (p != null) {
                withMasters.put(name, p);
            }
        }
        setWeights(withMasters, halfWeights, indices);
        return held;
    }

    /**
     * A stage's mask in terms of {@link #parameters()} after {@link #holdInHalf}: on a weight that stayed float32
     * the stage's selection as it is; on a master vector the positions {@code k} of the master values whose indices
     * {@code i_k} the stage selects. Without held weights it is {@code stageMask} itself.
     *
     * @param stageMask a mask over every weight of the model (shapes of {@link DecoderConfig#parameterShapes()})
     * @return the mask over the parameters
     * @throws IllegalArgumentException if the stage selects a scalar that has no float32 master (naming the weight
     *     and the flat index), or the mask does not fit the model
     */
    public NeuronMask onParameters(NeuronMask stageMask) {
        if (halfWeights.isEmpty()) {
            return stageMask;
        }
        NeuronMask.Builder out = NeuronMask.builder();
        for (String name : config.parameterShapes().keySet()) {
            if (!stageMask.contains(name) || !stageMask.shape(name).equals(config.parameterShapes().get(name))) {
                throw new IllegalArgumentException("the mask does not fit the model at weight '" + name + "': "
                        + (stageMask.contains(name) ? "shape " + stageMask.shape(name) + ", expected "
                        + config.parameterShapes().get(name) : "missing"));
            }
            NDArray index = masterIndex.get(name);
            if (index != null) {
                out.add(name, new Shape(index.size()), positions(name, index.toIntArray(), stageMask.indices(name)));
            } else if (stageMask.selectedCount(name) == 0) {
                if (parameters.containsKey(name)) {
                    out.addNone(name, parameters.get(name).getShape());
                }
            } else if (halfWeights.containsKey(name)) {
                throw new IllegalArgumentException("the mask selects " + stageMask.selectedCount(name)
                        + " scalars of weight '" + name + "', which is held in 16 bits without float32 masters");
            } else if (stageMask.isFull(name)) {
                out.addAll(name, stageMask.shape(name));
            } else {
                out.add(name, stageMask.shape(name), stageMask.indices(name));
            }
        }
        return out.build();
    }

    private void checkMayHold(String operation) {
        if (!ownsManager) {
            throw new IllegalStateException(operation + " on a view of a model (withWeights); call it on the model");
        }
        if (trainable) {
            throw new IllegalStateException(operation + " while the model is trainable: 16-bit weights are frozen");
        }
    }

    /** The positions in {@code masterIndices} (sorted) of every selected index (sorted). */
    private static int[] positions(String name, int[] masterIndices, int[] selected) {
        int[] out = new int[selected.length];
        for (int j = 0; j < selected.length; j++) {
            int k = Arrays.binarySearch(masterIndices, selected[j]);
            if (k < 0) {
                throw new IllegalArgumentException("the mask selects flat index " + selected[j] + " of weight '" + name
                        + "', which has no float32 master: it is held in 16 bits");
            }
            out[j] = k;
        }
        return out;
    }

    /**
     * The bytes the model's weights take: 4 per float32 parameter scalar (masters included), 2 per scalar held in
     * 16 bits, 4 per master index.
     *
     * @return bytes
     */
    public long storedBytes() {
        long bytes = 0;
        for (NDArray p : parameters.values()) {
            bytes += p.size() * p.getDataType().getNumOfBytes();
        }
        for (HalfWeight h : halfWeights.values()) {
            bytes += 2 * h.shape().size();
        }
        for (NDArray i : masterIndex.values()) {
            bytes += i.size() * i.getDataType().getNumOfBytes();
        }
        return bytes;
    }

    /**
     * Holds in 16 bits every weight in which {@code mask} selects nothing: the weights a stage trained with that mask
     * leaves as they are. See {@link #storeInHalf(Set, HalfFormat)}.
     *
     * @param mask the union of the masks of every stage that will train this model
     * @param format the 16-bit format
     * @return the names now held in 16 bits
     * @throws IllegalArgumentException if the mask does not fit the model, or selects entries of every weight (so
     *     16-bit storage would save nothing)
     */
    public Set<String> storeInHalfOutside(NeuronMask mask, HalfFormat format) {
        mask.checkMatches(parameters);
        Set<String> unchanged = new LinkedHashSet<>();
        for (String name : parameters.keySet()) {
            if (mask.selectedCount(name) == 0) {
                unchanged.add(name);
            }
        }
        if (unchanged.isEmpty()) {
            throw new IllegalArgumentException("the mask (" + mask + ") selects entries of every one of the "
                    + parameters.size() + " weights, so every weight is trained in float32 and 16-bit storage would"
                    + " save nothing; use it with a mask that leaves some weights unselected, or not at all");
        }
        storeInHalf(unchanged, format);
        return unchanged;
    }

    /**
     * The weights held in 16 bits, with their formats.
     *
     * @return format by weight name, in parameter order; empty unless {@link #storeInHalf} was called
     */
    public Map<String, HalfFormat> halfWeights() {
        Map<String, HalfFormat> out = new LinkedHashMap<>();
        halfWeights.forEach((name, h) -> out.put(name, h.format()));
        return out;
    }

    /**
     * Every weight name of the model, parameters and 16-bit weights, in {@link DecoderConfig#parameterShapes()}
     * order.
     *
     * @return the names
     */
    public List<String> weightNames() {
        return List.copyOf(config.parameterShapes().keySet());
    }

    /**
     * One weight in float32, whether it is a parameter or held in 16 bits.
     *
     * @param name the weight's Hugging Face name
     * @param into owns a widened copy
     * @return the parameter itself (not owned by {@code into}) or the exactly widened 16-bit weight (owned by
     *     {@code into})
     * @throws IllegalArgumentException if the model has no such weight
     */
    public NDArray weight(String name, NDManager into) {
        if (!parameters.containsKey(name) && !halfWeights.containsKey(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a weight of this model");
        }
        return floatWeight(name, into);
    }

    /**
     * Every weight in float32 (for saving): parameters as they are, 16-bit weights widened exactly.
     *
     * @param into owns the widened copies
     * @return weights by name in {@link DecoderConfig#parameterShapes()} order
     */
    public Map<String, NDArray> weights(NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : config.parameterShapes().keySet()) {
            out.put(name, floatWeight(name, into));
        }
        return out;
    }

    /**
     * Overwrites one weight's values, for example with {@code W0 + dW} when merging an adapter: a float32 parameter
     * is written in place (arrays referring to it see the new values), a 16-bit weight is narrowed again to its
     * format (round to nearest, ties to even).
     *
     * @param name the weight's Hugging Face name
     * @param value float32 values of the weight's shape; left unchanged
     * @throws IllegalArgumentException if the model has no such weight or the value's type or shape differs
     * @throws IllegalStateException on a view ({@link #withWeights})
     */
    public void assign(String name, NDArray value) {
        if (!ownsManager) {
            throw new IllegalStateException("assign on a view of a model (withWeights); call it on the model");
        }
        Shape shape = weightShape(name);
        if (shape == null) {
            throw new IllegalArgumentException("'" + name + "' is not a weight of this model");
        }
        if (!value.getShape().equals(shape) || value.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("value for '" + name + "' must be float32 " + shape + ", got "
                    + value.getDataType() + " " + value.getShape());
        }
        NDArray p = parameters.get(name);
        HalfWeight old = halfWeights.get(name);
        if (old == null) {
            p.set(value.toByteBuffer()); // host round trip: the engine refuses in-place writes to a leaf in a graph
            return;
        }
        if (p != null) { // the master values take the selected scalars exactly
            try (NDManager scratch = manager.newSubManager()) {
                NDArray index = masterIndex.get(name).toType(DataType.INT64, false);
                index.attach(scratch);
                NDArray selected = value.reshape(-1).take(scratch, index); // (K_t)
                p.set(selected.toByteBuffer());
            }
        }
        Map<String, HalfWeight> half = new LinkedHashMap<>(halfWeights);
        half.put(name, HalfWeight.narrow(name, value, old.format(), manager));
        old.stored().close();
        setWeights(parameters, half, masterIndex);
    }

    private Shape weightShape(String name) {
        HalfWeight h = halfWeights.get(name);
        if (h != null) {
            return h.shape();
        }
        NDArray p = parameters.get(name);
        return p == null ? null : p.getShape();
    }

    @Override
    public void setTrainable(boolean trainable) {
        for (NDArray p : parameters.values()) {
            p.setRequiresGradient(trainable);
        }
        this.trainable = trainable;
    }

    /**
     * Whether gradients are recorded for the parameters.
     *
     * @return the last value given to {@link #setTrainable(boolean)}, false initially
     */
    public boolean isTrainable() {
        return trainable;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The copy has the same configuration and trainable flag, and holds the same weights in 16 bits.
     */
    @Override
    public DecoderModel copy(Device target) {
        NDManager copyManager = NDManager.newBaseManager(target);
        try {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                params.put(e.getKey(), OwnedArrays.float32Copy(e.getValue(), copyManager, e.getKey()));
            }
            Map<String, HalfWeight> half = new LinkedHashMap<>();
            halfWeights.forEach((name, h) -> half.put(name, h.copy(copyManager)));
            Map<String, NDArray> indices = new LinkedHashMap<>();
            masterIndex.forEach((name, index) -> {
                NDArray c = index.getDevice().equals(target) ? index.duplicate() : index.toDevice(target, true);
                c.attach(copyManager);
                indices.put(name, c);
            });
            HalfWeight.Bf16Table table = half.values().stream().anyMatch(h -> h.format() == HalfFormat.BF16)
                    ? new HalfWeight.Bf16Table(copyManager) : null;
            DecoderModel copy = new DecoderModel(config, copyManager, params, half, indices, table, true);
            copy.setTrainable(trainable);
            return copy;
        } catch (RuntimeException e) {
            copyManager.close();
            throw e;
        }
    }

    @Override
    public DecoderModel copy() {
        return copy(device);
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public void close() {
        if (ownsManager) {
            manager.close();
        }
    }

    private void checkTokenIds(NDArray inputIds) {
        if (inputIds.getDataType().isFloating()) {
            throw new IllegalArgumentException("inputIds must be an integer type, got " + inputIds.getDataType());
        }
        if (inputIds.isEmpty()) {
            return;
        }
        try (NDManager scratch = inputIds.getManager().newSubManager()) {
            NDArray ids = inputIds.toType(DataType.INT64, true);
            ids.attach(scratch);
            long min = ids.min().getLong();
            long max = ids.max().getLong();
            if (min < 0 || max >= config.vocabSize()) {
                throw new IllegalArgumentException("inputIds must be in [0, vocab_size = " + config.vocabSize()
                        + "), got a token id " + (min < 0 ? min : max));
            }
        }
    }

    private static String describeSizes(DecoderConfig c) {
        return "hidden_size=" + c.hiddenSize() + ", intermediate_size=" + c.intermediateSize()
                + ", num_attention_heads=" + c.numAttentionHeads() + ", num_key_value_heads="
                + c.numKeyValueHeads() + ", head_dim=" + c.headDim() + ", vocab_size=" + c.vocabSize();
    }

    private static String abbreviate(List<String> names) {
        int shown = Math.min(names.size(), 8);
        String list = String.join(", ", names.subList(0, shown));
        return names.size() > shown ? list + ", ..." : list;
    }
}
