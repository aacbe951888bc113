package refiners.foundationals.latent_diffusion;

import java.util.LinkedHashMap;
import java.util.Map;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Downsample;
import refiners.fluxion.layers.GroupNorm;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.SelfAttention2d;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.layers.Slicing;

/** The LDM encoder: image (B, 3, H, W) in [-1, 1] to the mean of the latent distribution (B, 4, H/8, W/8). */
public class Encoder extends Chain {
    public Encoder() {
        super(new Conv2d(3, 128, 3, 1, 1),
                new Chain(
                        new Chain(new Resnet(128, 128), new Resnet(128, 128), new Downsample(128, 2, 0, true)),
                        new Chain(new Resnet(128, 256), new Resnet(256, 256), new Downsample(256, 2, 0, true)),
                        new Chain(new Resnet(256, 512), new Resnet(512, 512), new Downsample(512, 2, 0, true)),
                        new Chain(new Resnet(512, 512), new Resnet(512, 512)),
                        new Chain(new Resnet(512, 512), new Residual(new GroupNorm(512, 32, 1e-6), new SelfAttention2d(512)), new Resnet(512, 512))),
                new Chain(new GroupNorm(512, 32, 1e-6), new SiLU(), new Conv2d(512, 8, 3, 1, 1)),
                new Chain(new Conv2d(8, 8, 1), Slicing.upTo(1, 4)));
    }

    /** Downsample layers register the shapes they saw here (the decoder does not read them back). */
    @Override
    public Map<String, Map<String, Object>> initContext() {
        Map<String, Map<String, Object>> c = new LinkedHashMap<>();
        Map<String, Object> sampling = new LinkedHashMap<>();
        sampling.put("shapes", new java.util.ArrayList<>());
        c.put("sampling", sampling);
        return c;
    }

}
