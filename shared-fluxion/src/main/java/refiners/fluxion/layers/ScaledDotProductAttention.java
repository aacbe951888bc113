package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/**
 * softmax(q k^T / sqrt(d) [+ causal mask]) v over num_heads heads: (B, Lq, E), (B, Lk, E), (B, Lk, E) -> (B, Lq, E).
 */
public class ScaledDotProductAttention extends Module {
    private final int numHeads;
    private final boolean isCausal;

    public ScaledDotProductAttention(int numHeads, boolean isCausal) {
        this.numHeads = numHeads;
        this.isCausal = isCausal;
    }

    public int numHeads() { return numHeads; }
    public boolean isCausal() { return isCausal; }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("num_heads", numHeads, 1).addIfNot("is_causal", isCausal, false);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        if (args.size() != 3) throw new IllegalArgumentException("attention takes (query, key, value), got " + args.size() + " inputs");
        if (fusable(g, args)) {
            // ONNX Runtime's kernel: no head transposes in the graph, and on CPU a flash-attention loop that never
            // materializes the (Lq, Lk) scores of all heads (not with a causal mask: it takes the unfused path).
            Value q = args.get(0);
            return List.of(g.node("MultiHeadAttention", "com.microsoft", args,
                    List.of(Attr.i("num_heads", numHeads), Attr.i("unidirectional", isCausal ? 1 : 0)), q.dtype(), new long[] {q.dim(0), q.dim(1), args.get(2).dim(2)}));
        }
        Value q = heads(args.get(0)), k = heads(args.get(1)), v = heads(args.get(2));
        long headDim = q.dim(-1);
        if (headDim < 0) throw new IllegalArgumentException("the embedding dimension must be static");
        // Scaling q and k by d^-1/4 each keeps the product's magnitude in range (as the fused kernels do).
        double s = Math.pow(headDim, -0.25);
        Value scores = q.mul(s).matmul(k.transpose(0, 1, 3, 2).mul(s));
        if (isCausal) scores = scores.add(causalMask(g, scores));
        Value out = scores.softmax(-1).matmul(v);
        return List.of(out.transpose(0, 2, 1, 3).reshape(0, 0, -1));
    }

    /**
     * Whether ONNX Runtime's MultiHeadAttention can compute this: allowed by the compile options, (B, L, E) inputs
     * with static embeddings, keys and values of one length, and a dtype its kernels take (float32; float16 on cuda).
     */
    private boolean fusable(Graph g, List<Value> args) {
        if (!g.options().onnxRuntimeOperators()) return false;
        Value q = args.get(0), k = args.get(1), v = args.get(2);
        if (q.rank() != 3 || k.rank() != 3 || v.rank() != 3 || q.dim(2) < 0 || k.dim(2) != q.dim(2) || v.dim(2) < 0) return false;
        if (k.dim(1) != v.dim(1) || k.dim(1) < 0 || q.dim(2) % numHeads != 0 || v.dim(2) % numHeads != 0) return false;
        return q.dtype() == DType.F32 || (q.dtype() == DType.F16 && g.computeType() == DType.F16);
    }

    /** (B, L, E) -> (B, H, L, E/H). */
    private Value heads(Value x) {
        if (x.rank() != 3) throw new IllegalArgumentException("attention inputs must be (batch, sequence, embedding), got rank " + x.rank());
        return x.reshape(0, 0, numHeads, -1).transpose(0, 2, 1, 3);
    }

    /** 0 on and below the diagonal, -inf above (query i attends keys j <= i). */
    private static Value causalMask(Graph g, Value scores) {
        long lq = scores.dim(-2), lk = scores.dim(-1);
        DType dt = scores.dtype();
        if (lq >= 0 && lk >= 0) {
            float[] m = new float[(int) (lq * lk)];
            for (int i = 0; i < lq; i++) for (int j = 0; j < lk; j++) m[(int) (i * lk + j)] = j > i ? Float.NEGATIVE_INFINITY : 0f;
            return g.constant(Tensor.ofFloats(new long[] {lq, lk}, m).to(dt));
        }
        // Dynamic length: -inf everywhere, then keep only the strict upper triangle.
        Value shape = Value.concat(List.of(scores.shapeOf(2, 3), scores.shapeOf(3, 4)), 0);
        Value full = g.node("ConstantOfShape", List.of(shape), List.of(), dt, new long[] {lq, lk});
        full = full.add(g.scalar(Double.NEGATIVE_INFINITY, dt));
        return g.node("Trilu", List.of(full, g.constLongs(1).reshape(new long[0])), List.of(Attr.i("upper", 1)), dt, new long[] {lq, lk});
    }
}
