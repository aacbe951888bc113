package refiners.foundationals.clip;

/** CLIP ViT-L/14's text encoder, as in Stable Diffusion 1.x: 12 layers of width 768, 12 heads, quick GeLU. */
public class CLIPTextEncoderL extends CLIPTextEncoder {
    public CLIPTextEncoderL() {
        super(768, 77, 49408, 12, 12, 3072, 1e-5, true);
    }
}
