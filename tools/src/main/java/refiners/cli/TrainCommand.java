package refiners.cli;

import java.nio.file.Path;
import java.util.List;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.options.Args;
import refiners.settings.RuntimeVariables;
import refiners.training.BaseModels;
import refiners.training.LossLog;
import refiners.training.LoraTrainer;
import refiners.training.LoraTrainingConfig;

/** train: LoRA fine-tuning from a refiners finetune-lora TOML config (see refiners.training.LoraTrainer). */
final class TrainCommand {
    static final String USAGE = """
            train --config lora.toml [--resume training-state-stepN.safetensors] [--threads N]
              LoRA fine-tuning of SD1.5 (refiners' finetune-lora config). Writes LoRA files in refiners and kohya format,
              training states to resume from, loss.csv and loss.png into checkpointing.save_folder.""";

    private TrainCommand() {}

    static int run(String[] argv) {
        System.setProperty("java.awt.headless", "true");
        Args a = new Args(argv, List.of(), List.of("config", "resume", "threads"));
        String file = a.get("config", null);
        if (file == null) throw new IllegalArgumentException("--config is required\n" + USAGE);
        LoraTrainingConfig config = LoraTrainingConfig.load(Path.of(file));
        if (a.get("resume", null) != null) config = withResume(config, Path.of(a.get("resume", null)));
        RuntimeConfig rt = RuntimeVariables.fromEnvironment();
        if (config.training().device() != null) rt = rt.withDevice(config.training().device());
        if (a.has("threads")) rt = rt.withThreads(a.getInt("threads", 0));

        LoraTrainingConfig.Models m = config.models();
        long t0 = System.nanoTime();
        SD1Models models = m.weights() != null ? SD1Models.load(new SD1Weights(m.weights()))
                : m.unet() != null ? BaseModels.fromCheckpoints(m.textEncoder(), m.unet(), m.lda()) : SD1Models.detinit();
        System.out.printf("models: %s (%.1f s), device %s%n", models.source(), (System.nanoTime() - t0) / 1e9, rt.device());

        ProgressBar bar = new ProgressBar(System.out, "training");
        LoraTrainer.Outcome out = new LoraTrainer(config, models, new Runner(rt)).train(new LoraTrainer.Listener() {
            @Override
            public void log(String message) {
                System.out.println(message);
            }

            @Override
            public void step(LossLog.Row row, long total, long first, double elapsed) {
                long done = row.step() + 1 - first;
                bar.update((int) done, (int) (total - first), elapsed, String.format(java.util.Locale.ROOT, "step %d/%d loss %.4f lr %.2e %.2f it/s",
                        row.step() + 1, total, row.loss(), row.learningRate(), done / Math.max(elapsed, 1e-9)));
            }
        });
        System.out.printf("trained %d steps: %s, %s; loss curve in %s%n", out.steps(), out.refinersLora(), out.kohyaLora(),
                config.checkpointing().saveFolder().resolve("loss.png"));
        return 0;
    }

    private static LoraTrainingConfig withResume(LoraTrainingConfig c, Path resume) {
        LoraTrainingConfig.Checkpointing k = c.checkpointing();
        return new LoraTrainingConfig(c.models(), c.latentDiffusion(), c.lora(), c.training(), c.optimizer(), c.scheduler(), c.dropout(), c.dataset(),
                new LoraTrainingConfig.Checkpointing(k.saveFolder(), k.saveInterval(), k.name(), resume), c.testDiffusion());
    }
}
