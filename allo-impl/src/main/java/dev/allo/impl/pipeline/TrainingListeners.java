package dev.allo.impl.pipeline;

import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.util.List;

/** Combines listeners: each event goes to every listener, in order. */
final class TrainingListeners implements TrainingListener {
    private final List<TrainingListener> listeners;

    private TrainingListeners(List<TrainingListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    static TrainingListener all(List<? extends TrainingListener> listeners) {
        return new TrainingListeners(List.copyOf(listeners));
    }

    @Override
    public void onStageStart(StageStart start) {
        listeners.forEach(l -> l.onStageStart(start));
    }

    @Override
    public void onStep(StepMetrics metrics) {
        listeners.forEach(l -> l.onStep(metrics));
    }

    @Override
    public void onStageEnd(StageResult result) {
        listeners.forEach(l -> l.onStageEnd(result));
    }

    @Override
    public void onWarning(String warning) {
        listeners.forEach(l -> l.onWarning(warning));
    }
}
