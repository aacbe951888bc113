package refiners.foundationals.clip.image;

/** CLIP ViT-H/14's image encoder (OpenCLIP, as IP-Adapter uses): 32 layers of width 1280, 16 heads, 1024 outputs. */
public class CLIPImageEncoderH extends CLIPImageEncoder {
    public CLIPImageEncoderH() {
        super(224, 1280, 1024, 14, 32, 16, 5120, 1e-5);
    }
}
