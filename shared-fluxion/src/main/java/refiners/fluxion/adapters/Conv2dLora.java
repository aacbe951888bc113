package refiners.fluxion.adapters;

import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Module;

/**
 * LoRA for a Conv2d: a down convolution (in -> rank) then an up convolution (rank -> out). Kernel sizes come from the
 * weights (1x1 or 3x3, padding keeps the spatial size); the down convolution takes the target's stride.
 */
public class Conv2dLora extends Lora<Conv2d> {
    private final int inChannels;
    private final int outChannels;

    public Conv2dLora(String name, int inChannels, int outChannels, int rank, double scale, int[] kernelSize, int[] stride, int[] padding) {
        super(name, rank, scale,
                conv(inChannels, rank, kernelSize[0], stride[0], padding[0]),
                conv(rank, outChannels, kernelSize[1], stride[1], padding[1]));
        this.inChannels = inChannels;
        this.outChannels = outChannels;
    }

    private static Conv2d conv(int in, int out, int k, int stride, int padding) {
        return Conv2d.noBias(in, out, k, stride, padding);
    }

    /** A LoRA from its weights: down (rank, in, k, k), up (out, rank, k, k); strideOfTarget is the adapted conv's. */
    public static Conv2dLora fromWeights(String name, Tensor down, Tensor up, double scale, int strideOfTarget) {
        if (down.rank() != 4 || up.rank() != 4 || down.dim(0) != up.dim(1))
            throw new IllegalArgumentException(name + ": down " + java.util.Arrays.toString(down.shape()) + " and up " + java.util.Arrays.toString(up.shape()) + " are not a conv LoRA pair");
        int kd = (int) down.dim(2), ku = (int) up.dim(2);
        Conv2dLora l = new Conv2dLora(name, (int) down.dim(1), (int) up.dim(0), (int) down.dim(0), scale,
                new int[] {kd, ku}, new int[] {strideOfTarget, 1}, new int[] {kd == 3 ? 1 : 0, ku == 3 ? 1 : 0});
        l.loadWeights(down, up);
        return l;
    }

    public int inChannels() { return inChannels; }
    public int outChannels() { return outChannels; }

    @Override
    public boolean isCompatible(Module layer) {
        return layer instanceof Conv2d c && c.inChannels() == inChannels && c.outChannels() == outChannels;
    }
}
