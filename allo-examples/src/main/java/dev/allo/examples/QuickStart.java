package dev.allo.examples;

import ai.djl.engine.Engine;

/** The README's main job. Until the model lands it only reports the engine. */
public final class QuickStart {
    private QuickStart() {}

    /**
     * Runs the quick start.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.println("Engine: " + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    }
}
