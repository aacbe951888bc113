package refiners.foundationals.clip;

/**
 * OpenCLIP ViT-bigG/14's text encoder, SDXL's second one: 32 layers of width 1280, 20 heads, exact GeLU, and a
 * tokenizer that pads with 0 (so its only end-of-text token marks where the pooled embedding is read).
 */
public class CLIPTextEncoderG extends CLIPTextEncoder {
    public CLIPTextEncoderG() {
        super(1280, 77, 49408, 32, 20, 5120, 1e-5, false,
                new CLIPTokenizer(CLIPVocabulary.bundled(), CLIPTokenizer.DEFAULT_SEQUENCE_LENGTH,
                        CLIPTokenizer.DEFAULT_START_OF_TEXT_TOKEN_ID, CLIPTokenizer.DEFAULT_END_OF_TEXT_TOKEN_ID, 0));
    }
}
