package dev.allo.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.AlloPresets;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.ReportTarget;
import dev.allo.pipeline.ReportingConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TokenRewards;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.pipeline.WeightStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration file equals the builder's configuration: file to {@link AlignmentConfig} to file gives the same
 * settings, and a configuration built in Java (the Table 5 presets, the builder's stages) written as a file reads
 * back equal, in YAML and JSON.
 */
class ConfigRoundTripTest {
    /** Defaults that no explicit key depends on; different ones prove the written file is complete. */
    private static final ScaleDefaults SMALL = new ScaleDefaults(1_000, 16);
    private static final ScaleDefaults LARGE = new ScaleDefaults(7_000_000_000L, 10_000);

    @TempDir
    Path dir;

    @Test
    void anAlloFileReadsToTheBuilderConfigurationAndWritesBackToTheSameSettings() throws Exception {
        Path file = Files.writeString(dir.resolve("run.yaml"), """
                # shared by every stage
                learning_rate: 2e-5
                beta: 0.2
                per_device_train_batch_size: 4
                gradient_accumulation_steps: 2
                lr_scheduler_type: linear
                seed: 7
                max_length: 256
                max_prompt_length: 128
                logging_steps: 5
                save_steps: 20
                save_total_limit: 2
                report_to: csv, tensorboard
                storage_dtype: bfloat16
                locate:
                  method: accumulated_gradient
                  loss_type: sft
                forget:
                  neuron_ratio: 0.05
                  reward_threshold: 0.9
                  learning_rate: 1e-7
                learn:
                  neuron_ratio: 0.2
                  noisy_token_ratio: 0.5
                  mask_type: last_k
                  num_train_epochs: 3
                  gradient_checkpointing: true
                """);
        AlignmentConfig read = RunConfigs.align(Settings.load(file, List.of()), SMALL, true);

        TrainingConfig shared = new TrainingConfig(TrainingConfig.OptimizerKind.SPARSE_ADAMW, 2e-5,
                TrainingConfig.ScheduleKind.LINEAR, 0.1, 0, 1.0, 8, 4, 1, 0);
        AlignmentConfig expected = new AlignmentConfig(
                new LocateConfig(LocateConfig.Method.ACCUMULATED_GRADIENT, new ObjectiveConfig.Sft(), shared, 7),
                List.of(new StageConfig("forget", new ObjectiveConfig.TokenNpo(0.2), MaskRule.topK(0.05),
                                TokenRewards.REWRITER, 0.9, shared.withLearningRate(1e-7)),
                        new StageConfig("learn", new ObjectiveConfig.TokenDpo(0.2, 0.5),
                                MaskRule.of(MaskRule.Kind.LAST_K, 0.2), TokenRewards.NONE, 0.95,
                                shared.withEpochs(3).withGradientCheckpointing(true))),
                7, 256, 128, 0, new ReportingConfig(5, 20, 2, EnumSet.of(ReportTarget.CSV, ReportTarget.TENSORBOARD)),
                WeightStorage.BF16);
        assertThat(read).isEqualTo(expected);

        for (String name : List.of("written.yaml", "written.json")) {
            Path written = dir.resolve(name);
            ConfigTree.write(read, written);
            assertThat(RunConfigs.align(Settings.load(written, List.of()), LARGE, false)).as(name).isEqualTo(read);
            ConfigTree.write(RunConfigs.align(Settings.load(written, List.of()), LARGE, false), written);
            assertThat(Files.readString(written)).as(name).isEqualTo(name.endsWith("json") ? ConfigTree.json(read)
                    : ConfigTree.yaml(read));
        }
    }

    @Test
    void theTable5PresetsAndBuilderStagesSurviveTheFile() {
        List<AlignmentConfig> configs = List.of(AlloPresets.questionAnswering(), AlloPresets.mathematicalReasoning(),
                AlloPresets.instructionFollowing(),
                AlignmentConfig.of(LocateConfig.random(3), List.of(
                        ForgetConfig.defaults().withRewards(TokenRewards.EDIT_DISTANCE).toStage(),
                        LearnConfig.defaults().withNoisyTokenRatio(0).toStage())).withSeed(-5).withLengths(64, 63));
        for (AlignmentConfig c : configs) {
            Settings s = Settings.of(ConfigFileReader.parse(ConfigTree.yaml(c), "preset.yaml", false));
            assertThat(RunConfigs.align(s, SMALL, false)).isEqualTo(c);
        }
    }

    @Test
    void everyTrainObjectiveSurvivesTheFile() {
        TrainingConfig t = TrainingConfig.defaults().withBatchSize(12, 4).withMaxSteps(9)
                .withOptimizer(TrainingConfig.OptimizerKind.MASKED_SGD)
                .withSchedule(TrainingConfig.ScheduleKind.CONSTANT, 0.0);
        List<ObjectiveConfig> objectives = List.of(new ObjectiveConfig.Dpo(0.3),
                new ObjectiveConfig.ConservativeDpo(0.1, 0.2), new ObjectiveConfig.Ipo(0.5),
                new ObjectiveConfig.Hinge(0.1), new ObjectiveConfig.BcoPair(0.1), new ObjectiveConfig.SimPo(2.5, 0.5),
                new ObjectiveConfig.RDpo(0.1, 0.01), new ObjectiveConfig.Npo(0.1), new ObjectiveConfig.Sft(),
                new ObjectiveConfig.TokenDpo(0.1, 0.3), new ObjectiveConfig.TokenNpo(0.4),
                new ObjectiveConfig.WithSft(new ObjectiveConfig.Ipo(0.1), 0.5));
        for (ObjectiveConfig o : objectives) {
            AlignmentConfig c = AlignmentConfig.of(null, List.of(StageConfig.of(RunConfigs.stageName(o), o, t)));
            for (boolean json : new boolean[] {false, true}) {
                String text = json ? ConfigTree.json(c) : ConfigTree.yaml(c);
                Settings s = Settings.of(ConfigFileReader.parse(text, "train", json));
                assertThat(RunConfigs.train(s, LARGE)).as("%s json=%s", o, json).isEqualTo(c);
            }
        }
    }

    @Test
    void theLocateStageAloneSurvivesTheFile() {
        AlignmentConfig c = new AlignmentConfig(LocateConfig.weightDelta().withWarmUpObjective(
                ObjectiveConfig.Npo.defaults()), List.of(), 11, 128, 64, 32);
        Settings s = Settings.of(ConfigFileReader.parse(ConfigTree.yaml(c), "locate.yaml", false));
        assertThat(RunConfigs.locateOnly(s, SMALL)).isEqualTo(c);
    }

    @Test
    void setOverridesTheFileAndASectionOverridesTheTopLevel() throws Exception {
        Path file = Files.writeString(dir.resolve("run.json"), "{\"learning_rate\": 1e-4, \"learn\": {\"beta\": 0.3}}");
        AlignmentConfig c = RunConfigs.align(Settings.load(file, List.of("learning_rate=3e-4",
                "forget.learning_rate=1e-6", "beta=0.05")), SMALL, false);
        assertThat(c.locate().warmUp().learningRate()).isEqualTo(3e-4);
        assertThat(c.stages().get(0).training().learningRate()).isEqualTo(1e-6);
        assertThat(c.stages().get(1).training().learningRate()).isEqualTo(3e-4);
        assertThat(((ObjectiveConfig.TokenNpo) c.stages().get(0).objective()).beta()).isEqualTo(0.05);
        assertThat(((ObjectiveConfig.TokenDpo) c.stages().get(1).objective()).beta()).isEqualTo(0.3);
        assertThat(c.stages().get(0).rewards()).isEqualTo(TokenRewards.EDIT_DISTANCE);
    }
}
