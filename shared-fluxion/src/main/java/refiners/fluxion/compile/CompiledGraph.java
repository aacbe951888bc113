package refiners.fluxion.compile;

import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;

/**
 * A compiled model: the serialized ONNX model (structure only), the weights to bind by initializer name, and how to
 * feed it: positional inputs, context inputs, outputs, and the outputs of tapped layers by path. Weights that live in files are declared
 * relative to weightsFolder (null if none).
 */
public record CompiledGraph(
        byte[] model,
        Map<String, Tensor> weights,
        List<String> inputNames,
        List<Graph.ContextFeed> contextFeeds,
        List<String> outputNames,
        Map<String, String> tapOutputs,
        long nodeCount,
        java.nio.file.Path weightsFolder) {}
