package dev.allo.cli;

import ai.djl.Device;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model} and {@code --device} options of the commands that load a policy. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face model directory (config.json, safetensors, tokenizer.json); LLaMA, Mistral,"
                    + " Qwen2, Qwen3 or Gemma 2.")
    Path model;

    @Option(names = "--device", paramLabel = "NAME", defaultValue = "cpu",
            description = "DJL device: cpu (default), gpu, gpu1, ...")
    String device;

    /** Used by picocli. */
    ModelOptions() {}

    /**
     * The device.
     *
     * @return {@code Device.fromName(--device)}
     */
    Device device() {
        return Device.fromName(device);
    }

    /**
     * Loads the model directory.
     *
     * @return the model and tokenizer
     */
    LoadedModel load() {
        return LoadedModel.load(model, "--model", device());
    }
}
