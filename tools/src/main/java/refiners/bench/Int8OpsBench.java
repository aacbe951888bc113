package refiners.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Int8Weights;
import refiners.options.Args;

/**
 * The UNet's dominant convolution and linear shapes, float32 as ONNX Runtime runs an export (NCHWc convolutions,
 * prepacked GEMMs) against int8 forms ONNX Runtime's CPU kernels offer, alternating call by call: the evidence for
 * whether an int8 UNet can pay. Prints per-form median, ratios to float32 and the error relative to float32.
 */
public final class Int8OpsBench {
    public static final String USAGE = "bench-int8-ops [--runs 15] [--threads 2] [--only conv|linear]\n"
            + "  float32 (Conv through ONNX Runtime's NCHWc transformer, prepacked MatMul) against int8 forms (ConvInteger,\n"
            + "  QLinearConv with static scales, DynamicQuantizeMatMul, DynamicQuantizeLinear + MatMulInteger) on the SD1 UNet's\n"
            + "  dominant shapes (batch 2), alternating call by call: median wall time and mean process CPU time (threads do not\n"
            + "  spin), ratios to float32, error relative to float32.";

    /** One way to compute a case: its session and name. */
    private record Form(String name, OrtSession session) {}

    /** Process CPU time: on a shared machine the work a call did, where its wall time also counts waiting for a core. */
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private Int8OpsBench() {}

    public static int run(String[] argv) throws Exception {
        Args args = new Args(argv, List.of(), List.of("runs", "threads", "only"));
        int runs = args.getInt("runs", 15), threads = args.getInt("threads", 2);
        String only = args.get("only", "");
        if (runs < 1 || threads < 1) throw new IllegalArgumentException("--runs and --threads must be >= 1");
        if (!List.of("", "conv", "linear").contains(only)) throw new IllegalArgumentException("--only must be conv or linear, not '" + only + "'");
        System.out.printf("refiners bench-int8-ops: %d threads, %d calls per form, alternating; %d cores%n", threads, runs, Runtime.getRuntime().availableProcessors());
        System.out.println("case | form | median ms | ratio to float32 | mean CPU ms | CPU ratio to float32 | max |d| / max |y| | mean |d| / mean |y|");
        if (!only.equals("linear")) {
            conv(2, 320, 320, 3, 32, runs, threads);
            conv(2, 320, 320, 3, 64, runs, threads);
            conv(2, 640, 640, 3, 16, runs, threads);
            conv(2, 1280, 1280, 3, 8, runs, threads);
            conv(2, 320, 320, 1, 32, runs, threads);
        }
        if (!only.equals("conv")) {
            linear(2048, 320, 320, runs, threads);
            linear(2048, 320, 2560, runs, threads);
            linear(2048, 1280, 320, runs, threads);
            linear(8192, 320, 1280, runs, threads);
            linear(512, 640, 640, runs, threads);
        }
        return 0;
    }

    private static void conv(int n, int cin, int cout, int k, int h, int runs, int threads) throws OrtException {
        Random r = new Random(7);
        float[] x = gaussian(r, n * cin * h * h, 1), w = gaussian(r, cout * cin * k * k, (float) (1 / Math.sqrt(cin * k * k))), b = gaussian(r, cout, 0.1f);
        long[] xs = {n, cin, h, h}, ws = {cout, cin, k, k};
        var pads = Attr.ints("pads", k / 2, k / 2, k / 2, k / 2);
        var kernel = Attr.ints("kernel_shape", k, k);
        List<Form> forms = new ArrayList<>();

        OpModel f32 = new OpModel().input("x", xs).output("y");
        f32.node("", "Conv", List.of("x", f32.floats(w, ws), f32.floats(b, cout)), List.of("y"), kernel, pads);
        forms.add(new Form("float32 Conv (NCHWc)", session(f32, threads)));
        float[] ref = call(forms.get(0).session(), x, xs);

        float[] scales = new float[cout];
        byte[] values = Int8Weights.quantize(FloatBuffer.wrap(w), scales);
        OpModel ci = new OpModel().input("x", xs).output("y");
        byte[] wu8 = values.clone();
        for (int i = 0; i < wu8.length; i++) wu8[i] = (byte) (wu8[i] + 128); // ConvInteger: uint8 weights, one zero point
        ci.node("", "DynamicQuantizeLinear", List.of("x"), List.of("xq", "xs", "xz"))
                .node("", "ConvInteger", List.of("xq", ci.bytes(OpModel.UINT8, wu8, ws), "xz", ci.bytes(OpModel.UINT8, new byte[] {(byte) 128})), List.of("yi"), kernel, pads)
                .node("", "Cast", List.of("yi"), List.of("yf"), Attr.i("to", OpModel.FLOAT))
                .node("", "Mul", List.of("xs", ci.floats(scales, 1, cout, 1, 1)), List.of("s"))
                .node("", "Mul", List.of("yf", "s"), List.of("ys"))
                .node("", "Add", List.of("ys", ci.floats(b, 1, cout, 1, 1)), List.of("y"));
        forms.add(new Form("DynamicQuantizeLinear + ConvInteger (u8 x u8, im2col) + Cast + Mul", session(ci, threads)));

        float xScale = 2 * maxAbs(x) / 255, yScale = 2 * maxAbs(ref) / 255;
        OpModel ql = new OpModel().input("x", xs).output("y");
        String xsc = ql.floats(new float[] {xScale}), xz = ql.bytes(OpModel.UINT8, new byte[] {(byte) 128});
        String ysc = ql.floats(new float[] {yScale}), yz = ql.bytes(OpModel.UINT8, new byte[] {(byte) 128});
        int[] bias = new int[cout];
        for (int c = 0; c < cout; c++) bias[c] = Math.round(b[c] / (xScale * scales[c]));
        ql.node("", "QuantizeLinear", List.of("x", xsc, xz), List.of("xq"))
                .node("", "QLinearConv", List.of("xq", xsc, xz, ql.bytes(OpModel.INT8, values, ws), ql.floats(scales, cout),
                        ql.bytes(OpModel.INT8, new byte[cout], cout), ysc, yz, ql.ints(bias, cout)), List.of("yq"), kernel, pads)
                .node("", "DequantizeLinear", List.of("yq", ysc, yz), List.of("y"));
        forms.add(new Form("QuantizeLinear + QLinearConv (u8 x s8, static scales) + DequantizeLinear", session(ql, threads)));

        time(String.format("Conv %dx%d %d->%d, %dx%d, batch %d", k, k, cin, cout, h, h, n), forms, x, xs, ref, runs);
    }

    private static void linear(int m, int kIn, int nOut, int runs, int threads) throws OrtException {
        Random r = new Random(11);
        float[] x = gaussian(r, m * kIn, 1), w = gaussian(r, nOut * kIn, (float) (1 / Math.sqrt(kIn))), b = gaussian(r, nOut, 0.1f);
        float[] wt = new float[kIn * nOut];
        for (int o = 0; o < nOut; o++) for (int i = 0; i < kIn; i++) wt[i * nOut + o] = w[o * kIn + i];
        long[] xs = {m, kIn};
        List<Form> forms = new ArrayList<>();

        OpModel f32 = new OpModel().input("x", xs).output("y");
        f32.node("", "MatMul", List.of("x", f32.floats(wt, kIn, nOut)), List.of("p")).node("", "Add", List.of("p", f32.floats(b, nOut)), List.of("y"));
        forms.add(new Form("float32 MatMul (prepacked)", session(f32, threads)));
        float[] ref = call(forms.get(0).session(), x, xs);

        float[] scales = new float[nOut];
        byte[] values = Int8Weights.quantize(FloatBuffer.wrap(w), scales);
        byte[] qt = new byte[kIn * nOut];
        for (int o = 0; o < nOut; o++) for (int i = 0; i < kIn; i++) qt[i * nOut + o] = values[o * kIn + i];
        OpModel dq = new OpModel().input("x", xs).output("y");
        dq.node("com.microsoft", "DynamicQuantizeMatMul", List.of("x", dq.bytes(OpModel.INT8, qt, kIn, nOut), dq.floats(scales, nOut), "", dq.floats(b, nOut)), List.of("y"));
        forms.add(new Form("DynamicQuantizeMatMul (u8 x s8, per column)", session(dq, threads)));

        OpModel mi = new OpModel().input("x", xs).output("y");
        mi.node("", "DynamicQuantizeLinear", List.of("x"), List.of("xq", "xs", "xz"))
                .node("", "MatMulInteger", List.of("xq", mi.bytes(OpModel.INT8, qt, kIn, nOut), "xz"), List.of("yi"))
                .node("", "Cast", List.of("yi"), List.of("yf"), Attr.i("to", OpModel.FLOAT))
                .node("", "Mul", List.of("xs", mi.floats(scales, nOut)), List.of("s"))
                .node("", "Mul", List.of("yf", "s"), List.of("ys"))
                .node("", "Add", List.of("ys", mi.floats(b, nOut)), List.of("y"));
        forms.add(new Form("DynamicQuantizeLinear + MatMulInteger + Cast + Mul", session(mi, threads)));

        time(String.format("Linear %dx%d -> %d", m, kIn, nOut), forms, x, xs, ref, runs);
    }

    /** Calls every form once per iteration, rotating who goes first; prints medians, ratios and errors. */
    private static void time(String name, List<Form> forms, float[] x, long[] shape, float[] ref, int runs) throws OrtException {
        double[][] ms = new double[forms.size()][runs], cpu = new double[forms.size()][runs];
        float[][] outs = new float[forms.size()][];
        for (int i = 0; i < forms.size(); i++) outs[i] = call(forms.get(i).session(), x, shape);
        for (int it = 0; it < runs; it++) {
            for (int j = 0; j < forms.size(); j++) {
                int f = (it + j) % forms.size();
                long t0 = System.nanoTime(), c0 = OS.getProcessCpuTime();
                call(forms.get(f).session(), x, shape);
                ms[f][it] = (System.nanoTime() - t0) / 1e6;
                cpu[f][it] = (OS.getProcessCpuTime() - c0) / 1e6;
            }
        }
        double base = median(ms[0]), cpuBase = mean(cpu[0]);
        for (int f = 0; f < forms.size(); f++) {
            double maxD = 0, sumD = 0, sumY = 0;
            for (int i = 0; i < ref.length; i++) {
                double d = Math.abs(outs[f][i] - ref[i]);
                maxD = Math.max(maxD, d);
                sumD += d;
                sumY += Math.abs(ref[i]);
            }
            System.out.printf("%s | %s | %.2f | %.3f | %.2f | %.3f | %.2e | %.2e%n", name, forms.get(f).name(), median(ms[f]), median(ms[f]) / base,
                    mean(cpu[f]), mean(cpu[f]) / cpuBase, maxD / maxAbs(ref), sumD / sumY);
            forms.get(f).session().close();
        }
    }

    private static OrtSession session(OpModel m, int threads) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.addConfigEntry("session.intra_op.allow_spinning", "0"); // CPU time then counts work, not spinning
            return OrtEnvironment.getEnvironment().createSession(m.bytes(), o);
        }
    }

    private static float[] call(OrtSession s, float[] x, long[] shape) throws OrtException {
        try (OnnxTensor t = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(x), shape);
             OrtSession.Result r = s.run(Map.of("x", t))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    private static float[] gaussian(Random r, int n, float std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * std;
        return v;
    }

    private static float maxAbs(float[] v) {
        float m = 0;
        for (float f : v) m = Math.max(m, Math.abs(f));
        return m;
    }

    /** CPU time is counted in scheduler ticks (10 ms): only a mean over many calls resolves it. */
    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
