package refiners.fluxion.autodiff;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import refiners.fluxion.compile.onnx.Onnx.GraphProto;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.compile.onnx.Onnx.OperatorSetIdProto;
import refiners.fluxion.compile.onnx.Onnx.ValueInfoProto;

/**
 * Checks a vector-Jacobian rule alone: a small graph y = f(inputs) built by the test, the analytic gradients of
 * sum(y * r) (r a random cotangent) from {@link ReverseMode#vjp}, against central differences of the same forward
 * graph run by ONNX Runtime, element by element.
 */
final class GradientCheck {
    /** An input: name, shape, and the range its random values are drawn from. */
    record Input(String name, long[] shape, double low, double high, boolean differentiate) {
        static Input of(String name, long... shape) {
            return new Input(name, shape, -1, 1, true);
        }

        Input range(double lo, double hi) {
            return new Input(name, shape, lo, hi, differentiate);
        }

        Input frozen() {
            return new Input(name, shape, low, high, false);
        }
    }

    private final DType dtype;
    private final List<Input> inputs = new ArrayList<>();
    private final double eps, tolerance;

    private GradientCheck(DType dtype) {
        this.dtype = dtype;
        // Central differences: F64 is exact to ~1e-9 here; F32 trades truncation (eps^2) against rounding (1e-7/eps).
        this.eps = dtype == DType.F64 ? 1e-6 : 3e-3;
        this.tolerance = dtype == DType.F64 ? 1e-6 : 2e-3;
    }

    static GradientCheck f64() { return new GradientCheck(DType.F64); }
    static GradientCheck f32() { return new GradientCheck(DType.F32); }

    GradientCheck input(Input in) {
        inputs.add(in);
        return this;
    }

    GradientCheck input(String name, long... shape) {
        return input(Input.of(name, shape));
    }

    int onnxType() {
        return dtype == DType.F64 ? TensorInfo.DOUBLE : TensorInfo.FLOAT;
    }

    /** The forward model: body emits nodes from the inputs and returns the output value's name. */
    ModelProto forward(Function<GraphWriter, String> body) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("check");
        GraphWriter w = GraphWriter.over(g, "fwd");
        for (Input in : inputs) w.addInput(in.name(), new TensorInfo(onnxType(), in.shape()));
        String y = body.apply(w);
        g.addNode(NodeProto.newBuilder().setOpType("Identity").addInput(y).addOutput("y"));
        TensorInfo yi = w.infoOrNull(y); // an op unknown to shape inference (error tests): declare the first input's shape
        g.addOutput(ReverseMode.valueInfo("y", yi != null ? yi : new TensorInfo(onnxType(), inputs.get(0).shape())));
        return model(g);
    }

    static ModelProto model(GraphProto.Builder g) {
        return ModelProto.newBuilder().setIrVersion(10).setProducerName("test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(21))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1))
                .setGraph(g).build();
    }

    /** Runs the check; returns the worst error relative to the gradients' scale (for reporting). */
    double check(Function<GraphWriter, String> body) {
        ModelProto fwd = forward(body);
        List<String> wrt = inputs.stream().filter(Input::differentiate).map(Input::name).toList();
        ModelProto bwd = ReverseMode.vjp(fwd, "y", wrt, List.of("y"));
        long[] ys = shapeOf(fwd.getGraph().getOutput(0));
        Random rnd = new Random(7);
        Map<String, double[]> values = new LinkedHashMap<>();
        for (Input in : inputs) {
            double[] v = new double[(int) Tensor.numel(in.shape())];
            for (int i = 0; i < v.length; i++) v[i] = in.low() + (in.high() - in.low()) * rnd.nextDouble();
            values.put(in.name(), round(v));
        }
        double[] r = new double[(int) Tensor.numel(ys)];
        for (int i = 0; i < r.length; i++) r[i] = rnd.nextGaussian();
        r = round(r);

        List<String> fwdInputs = inputs.stream().map(Input::name).toList();
        List<String> bwdInputs = new ArrayList<>(fwdInputs);
        bwdInputs.add(ReverseMode.GRAD + "y");
        List<String> bwdOutputs = new ArrayList<>();
        for (String x : wrt) bwdOutputs.add(ReverseMode.GRAD + x);
        try (Session f = new Session(fwd, fwdInputs, List.of("y")); Session b = new Session(bwd, bwdInputs, bwdOutputs)) {
            List<Tensor> feeds = new ArrayList<>();
            for (Input in : inputs) feeds.add(tensor(values.get(in.name()), in.shape()));
            feeds.add(tensor(r, ys));
            List<Tensor> grads = b.run(feeds);
            double worst = 0;
            for (int k = 0; k < wrt.size(); k++) {
                String x = wrt.get(k);
                double[] analytic = grads.get(k).toDoubleArray();
                double[] base = values.get(x);
                double[] numeric = new double[base.length];
                for (int i = 0; i < base.length; i++) {
                    double keep = base[i];
                    base[i] = keep + eps;
                    double plus = dot(run(f, values, inputs), r);
                    base[i] = keep - eps;
                    double minus = dot(run(f, values, inputs), r);
                    base[i] = keep;
                    numeric[i] = (plus - minus) / (2 * eps);
                }
                double scale = 1e-3, err = 0;
                for (double d : numeric) scale = Math.max(scale, Math.abs(d));
                int at = 0;
                for (int i = 0; i < numeric.length; i++) {
                    double e = Math.abs(analytic[i] - numeric[i]);
                    if (e > err) {
                        err = e;
                        at = i;
                    }
                }
                if (!(err <= tolerance * scale))
                    throw new AssertionError(String.format("d/d%s: analytic %.8g vs central difference %.8g at element %d (error %.3e > %.1e x %.3g, %s)",
                            x, analytic[at], numeric[at], at, err, tolerance, scale, dtype));
                worst = Math.max(worst, err / scale);
            }
            return worst;
        }
    }

    private double[] round(double[] v) {
        if (dtype == DType.F32) for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        return v;
    }

    private double[] run(Session f, Map<String, double[]> values, List<Input> ins) {
        List<Tensor> feeds = new ArrayList<>();
        for (Input in : ins) feeds.add(tensor(values.get(in.name()), in.shape()));
        return f.run(feeds).get(0).toDoubleArray();
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private Tensor tensor(double[] v, long[] shape) {
        Tensor t = Tensor.ofDoubles(shape, v);
        return dtype == DType.F64 ? t : t.to(DType.F32);
    }

    static long[] shapeOf(ValueInfoProto v) {
        var s = v.getType().getTensorType().getShape();
        long[] out = new long[s.getDimCount()];
        for (int i = 0; i < out.length; i++) out[i] = s.getDim(i).getDimValue();
        return out;
    }

    /**
     * A session over a test graph. Graph optimizations are off: ONNX Runtime's MatmulTransposeFusion rewrites
     * float64 products into its float-only FusedMatMul.
     */
    private static final class Session implements AutoCloseable {
        private final OrtSession session;
        private final List<String> inputs, outputs;

        Session(ModelProto m, List<String> inputs, List<String> outputs) {
            this.inputs = inputs;
            this.outputs = outputs;
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
                session = OrtEnvironment.getEnvironment().createSession(m.toByteArray(), o);
            } catch (OrtException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }

        List<Tensor> run(List<Tensor> feeds) {
            Map<String, OnnxTensor> in = new LinkedHashMap<>();
            try {
                for (int i = 0; i < feeds.size(); i++) {
                    Tensor t = feeds.get(i);
                    in.put(inputs.get(i), t.dtype() == DType.F64
                            ? OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), java.nio.DoubleBuffer.wrap(t.toDoubleArray()), t.shape())
                            : OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), java.nio.FloatBuffer.wrap(t.toFloatArray()), t.shape()));
                }
                List<Tensor> out = new ArrayList<>();
                try (OrtSession.Result r = session.run(in, new java.util.LinkedHashSet<>(outputs))) {
                    for (String name : outputs) {
                        OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow();
                        long[] shape = t.getInfo().getShape();
                        out.add(t.getInfo().type == ai.onnxruntime.OnnxJavaType.DOUBLE
                                ? Tensor.ofDoubles(shape, toArray(t.getDoubleBuffer())) : Tensor.ofFloats(shape, toArray(t.getFloatBuffer())));
                    }
                }
                return out;
            } catch (OrtException e) {
                throw new IllegalStateException(e.getMessage(), e);
            } finally {
                in.values().forEach(OnnxTensor::close);
            }
        }

        private static double[] toArray(java.nio.DoubleBuffer b) {
            double[] a = new double[b.remaining()];
            b.get(a);
            return a;
        }

        private static float[] toArray(java.nio.FloatBuffer b) {
            float[] a = new float[b.remaining()];
            b.get(a);
            return a;
        }

        @Override
        public void close() {
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
