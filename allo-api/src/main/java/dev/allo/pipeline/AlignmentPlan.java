package dev.allo.pipeline;

import ai.djl.Device;
import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.data.RewriteQuadruple;
import dev.allo.importance.ImportanceEstimator;
import dev.allo.model.CausalLm;
import dev.allo.model.SaveOptions;
import dev.allo.objective.PreferenceObjective;
import dev.allo.scorer.TokenScorer;
import dev.allo.tokenizer.Tokenizer;
import dev.allo.train.TrainingListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything {@link AlignmentBuilder#build()} validated, handed to the implementation that runs it. Users build it
 * with {@link dev.allo.Allo#builder()}; implementations read it.
 *
 * @param model the policy, trained in place
 * @param tokenizer the tokenizer of the policy (and of the rewriter)
 * @param examples the preference data
 * @param config the stages and their settings
 * @param rewriter the rewriting model for {@link TokenRewards#REWRITER} stages, if any
 * @param rewriterTraining rewrite examples to train the rewriter from a copy of the policy by SFT, when no rewriter
 *     is given
 * @param rewriteTemplate the rewrite prompt (Table 6's by default) used to train the rewriter and to score tokens
 * @param tokenScorer the scorer for {@link TokenRewards#CUSTOM} stages, if any
 * @param estimator a custom importance estimator replacing {@link LocateConfig#method()}, if any
 * @param optimizer a custom optimiser factory replacing {@link TrainingConfig#optimizer()}, if any
 * @param objectives custom objectives by stage name, replacing those stages' configured objectives
 * @param device where training runs
 * @param outputDirectory where the run writes its files
 * @param listeners observers of every stage
 * @param evaluation held-out pairs and evaluators, and how often they run
 * @param checkpointEvery optimiser steps between checkpoints, {@code 0} for checkpoints at stage ends only
 * @param resume whether to continue the run found in {@code outputDirectory}
 * @param overwrite whether to replace the run found in {@code outputDirectory} (never together with
 *     {@code resume})
 * @param saveOptions how the stage models and the final model are stored (weight type, shard size)
 * @param precomputedCaches a read-only directory of reference log-prob and token-score cache files computed
 *     elsewhere (for example by {@code allo-spark}), looked up by fingerprint before computing, if any
 */
public record AlignmentPlan(CausalLm model, Tokenizer tokenizer, List<PreferenceExample> examples,
        AlignmentConfig config, Optional<CausalLm> rewriter, Optional<RewriterTraining> rewriterTraining,
        PromptTemplate rewriteTemplate, Optional<TokenScorer> tokenScorer,
        Optional<ImportanceEstimator> estimator, Optional<MaskedOptimizerFactory> optimizer,
        Map<String, PreferenceObjective> objectives, Device device, Path outputDirectory,
        List<TrainingListener> listeners, Evaluation evaluation, long checkpointEvery, boolean resume,
        boolean overwrite, SaveOptions saveOptions, Optional<Path> precomputedCaches) {

    /**
     * How to train the rewriting model of Eq. (5) when none is given (Sec. 4.2: "leverage the rewritten response to
     * fine-tune the small LLM"): SFT of a copy of the policy on {@code rewrite prompt -> corrected prediction}.
     *
     * @param examples the (problem, correct solution, wrong prediction, corrected prediction) quadruples
     * @param training how the SFT stage trains
     */
    public record RewriterTraining(List<RewriteQuadruple> examples, TrainingConfig training) {
        /** Copies the list and checks it is not empty. */
        public RewriterTraining {
            examples = List.copyOf(examples);
            if (examples.isEmpty()) {
                throw new IllegalArgumentException("rewriter training needs at least one rewrite example");
            }
            java.util.Objects.requireNonNull(training, "training");
        }
    }

    /**
     * What the pipeline evaluates between steps.
     *
     * @param heldOut preference pairs never trained on; their {@code rewards/accuracies} and loss are reported as
     *     {@code eval/...} (empty for none)
     * @param evaluators hooks such as generation accuracy
     * @param everySteps optimiser steps between evaluations ({@code 0}: at stage starts and ends only)
     */
    public record Evaluation(List<PreferenceExample> heldOut, List<ModelEvaluator> evaluators, long everySteps) {
        /** Copies the lists and checks the interval. */
        public Evaluation {
            heldOut = List.copyOf(heldOut);
            evaluators = List.copyOf(evaluators);
            if (everySteps < 0) {
                throw new IllegalArgumentException("evaluation everySteps must be >= 0, got " + everySteps);
            }
        }

        /**
         * Whether anything is evaluated.
         *
         * @return true if there are held-out pairs or evaluators
         */
        public boolean isEnabled() {
            return !heldOut.isEmpty() || !evaluators.isEmpty();
        }
    }


    /**
     * A plan without precomputed caches.
     *
     * @param model see the record components
     * @param tokenizer see the record components
     * @param examples see the record components
     * @param config see the record components
     * @param rewriter see the record components
     * @param rewriterTraining see the record components
     * @param rewriteTemplate see the record components
     * @param tokenScorer see the record components
     * @param estimator see the record components
     * @param optimizer see the record components
     * @param objectives see the record components
     * @param device see the record components
     * @param outputDirectory see the record components
     * @param listeners see the record components
     * @param evaluation see the record components
     * @param checkpointEvery see the record components
     * @param resume see the record components
     * @param overwrite see the record components
     * @param saveOptions see the record components
     */
    public AlignmentPlan(CausalLm model, Tokenizer tokenizer, List<PreferenceExample> examples,
            AlignmentConfig config, Optional<CausalLm> rewriter, Optional<RewriterTraining> rewriterTraining,
            PromptTemplate rewriteTemplate, Optional<TokenScorer> tokenScorer,
            Optional<ImportanceEstimator> estimator, Optional<MaskedOptimizerFactory> optimizer,
            Map<String, PreferenceObjective> objectives, Device device, Path outputDirectory,
            List<TrainingListener> listeners, Evaluation evaluation, long checkpointEvery, boolean resume,
            boolean overwrite, SaveOptions saveOptions) {
        this(model, tokenizer, examples, config, rewriter, rewriterTraining, rewriteTemplate, tokenScorer, estimator,
                optimizer, objectives, device, outputDirectory, listeners, evaluation, checkpointEvery, resume,
                overwrite, saveOptions, Optional.empty());
    }

    /** Copies the collections. */
    public AlignmentPlan {
        java.util.Objects.requireNonNull(precomputedCaches, "precomputedCaches");
        examples = List.copyOf(examples);
        objectives = Map.copyOf(objectives);
        listeners = List.copyOf(listeners);
        java.util.Objects.requireNonNull(saveOptions, "saveOptions");
        if (resume && overwrite) {
            throw new IllegalArgumentException("resume and overwrite exclude each other");
        }
    }
}
