package refiners.training;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsWriter;

/**
 * What resuming a run needs: the LoRA parameters, the optimizer's state and the number of steps done (the data order
 * and the noise of each step derive from the seed and the step, so they continue as if never stopped).
 */
public final class TrainingState {
    private static final String STEP = "training.step";

    private TrainingState() {}

    public static void write(Path file, long stepsDone, List<TrainableLoras> models, Optimizer optimizer, Map<String, String> metadata) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(STEP, Tensor.ofLongs(new long[] {1}, stepsDone));
        for (TrainableLoras m : models) for (Parameter p : m.parameters()) tensors.put(p.name(), p.tensor());
        tensors.putAll(optimizer.state());
        SafeTensorsWriter.write(file, tensors, metadata);
    }

    /** Restores parameters and optimizer state; returns the number of steps done. */
    public static long read(Path file, List<TrainableLoras> models, Optimizer optimizer) {
        try (SafeTensors st = SafeTensors.open(file)) {
            if (!st.contains(STEP)) throw new IllegalArgumentException(file + " is not a training state (no " + STEP + "): resume from a training-state-*.safetensors file");
            Map<String, Tensor> optimizerState = new LinkedHashMap<>();
            for (String k : st.keys()) if (!k.equals(STEP) && !k.startsWith("unet.") && !k.startsWith("text_encoder.")) optimizerState.put(k, st.get(k).copy());
            for (TrainableLoras m : models)
                for (Parameter p : m.parameters()) {
                    if (!st.contains(p.name())) throw new IllegalArgumentException(file + " has no " + p.name() + ": it was written for other LoRA targets or models");
                    p.set(st.get(p.name()));
                }
            optimizer.load(optimizerState);
            return st.get(STEP).toLongArray()[0];
        }
    }
}
