package dev.allo.examples.paper;

import dev.allo.pipeline.AlignmentBuilder;

/**
 * One trained model of an experiment: a method or an ablation, and how it configures the pipeline that trains a
 * copy of the seed's SFT model. The SFT model itself is the variant without a recipe.
 *
 * @param id a short name, also the variant's output folder
 * @param label the name in the result tables
 * @param recipe adds the variant's stages to a builder that already has model, data and settings; null for the SFT
 *     model, which is evaluated untouched
 */
record Variant(String id, String label, Recipe recipe) {

    /** Adds a variant's stages to a pipeline builder. */
    @FunctionalInterface
    interface Recipe {
        /**
         * Configures the stages.
         *
         * @param builder the builder, with model, tokenizer, data, seed, lengths, listener and output directory set
         * @param seed what the seed's variants share
         * @return the builder
         */
        AlignmentBuilder apply(AlignmentBuilder builder, SeedContext seed);
    }

    /** Validates the id (it names a folder). */
    Variant {
        if (id == null || !id.matches("[a-z0-9.@_-]+")) {
            throw new IllegalArgumentException("variant id must be lower-case letters, digits, '.', '@', '_' or"
                    + " '-', got " + id);
        }
    }

    /** Whether the variant trains (every variant but the SFT model). */
    boolean trains() {
        return recipe != null;
    }
}
