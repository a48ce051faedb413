package dev.allo.impl.pipeline;

import dev.allo.AlloException;
import dev.allo.impl.io.AtomicFiles;
import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * TRL's {@code save_steps} and {@code save_total_limit} for one stage: after every {@code saveSteps}-th optimiser
 * step the model is saved to {@code <stage>/checkpoint-<step>/} (by the given saver, which writes atomically), then
 * the oldest numbered checkpoints beyond the newest {@code totalLimit} are deleted ({@code 0}: none deleted). The
 * resume checkpoint {@code <stage>/checkpoint/} never matches {@code checkpoint-<step>} and is never touched.
 *
 * <p>On a resume from step {@code k}, numbered checkpoints of steps after {@code k} (written before a kill, ahead of
 * the resume checkpoint) are deleted, since the resumed run writes them again, and the one of step {@code k} is
 * written if a kill came between the resume checkpoint and it.
 */
final class NumberedCheckpoints implements TrainingListener {
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");

    private final Path stageDirectory;
    private final long saveSteps;
    private final int totalLimit;
    private final Consumer<Path> saver;

    /**
     * Numbered checkpoints of one stage.
     *
     * @param stageDirectory the stage's directory
     * @param saveSteps the interval, at least 1
     * @param totalLimit how many to keep, 0 for all
     * @param saver saves the model into a directory, atomically
     */
    NumberedCheckpoints(Path stageDirectory, long saveSteps, int totalLimit, Consumer<Path> saver) {
        if (saveSteps < 1) {
            throw new IllegalArgumentException("saveSteps must be >= 1, got " + saveSteps);
        }
        this.stageDirectory = stageDirectory;
        this.saveSteps = saveSteps;
        this.totalLimit = totalLimit;
        this.saver = saver;
    }

    /**
     * The directory of a step's checkpoint.
     *
     * @param stageDirectory the stage's directory
     * @param step the step
     * @return {@code <stage>/checkpoint-<step>}
     */
    static Path directory(Path stageDirectory, long step) {
        return stageDirectory.resolve("checkpoint-" + step);
    }

    @Override
    public void onStageStart(StageStart start) {
        for (long step : steps()) {
            if (step > start.startStep()) {
                delete(step);
            }
        }
        long k = start.startStep();
        if (k > 0 && k % saveSteps == 0 && !Files.isDirectory(directory(stageDirectory, k))) {
            save(k);
        }
    }

    @Override
    public void onStep(StepMetrics metrics) {
        if (metrics.step() % saveSteps == 0) {
            save(metrics.step());
        }
    }

    @Override
    public void onStageEnd(StageResult result) {
        // Saving happens at the multiples of saveSteps only; the stage's final model is <stage>/model/.
    }

    private void save(long step) {
        saver.accept(directory(stageDirectory, step));
        if (totalLimit > 0) {
            List<Long> steps = steps();
            for (int i = 0; i < steps.size() - totalLimit; i++) {
                delete(steps.get(i));
            }
        }
    }

    private void delete(long step) {
        try {
            AtomicFiles.deleteTree(directory(stageDirectory, step));
        } catch (IOException e) {
            throw new AlloException("Cannot delete numbered checkpoint " + directory(stageDirectory, step) + ": "
                    + e.getMessage(), e);
        }
    }

    /** The steps of the stage's numbered checkpoints, ascending. */
    List<Long> steps() {
        List<Long> steps = new ArrayList<>();
        if (!Files.isDirectory(stageDirectory)) {
            return steps;
        }
        try (Stream<Path> list = Files.list(stageDirectory)) {
            list.filter(Files::isDirectory).forEach(p -> {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    steps.add(Long.parseLong(m.group(1)));
                }
            });
        } catch (IOException e) {
            throw new AlloException("Cannot list " + stageDirectory + ": " + e.getMessage(), e);
        }
        steps.sort(null);
        return steps;
    }
}
