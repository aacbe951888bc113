package refiners.mesh.textencoder;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;
import io.smallrye.config.WithDefault;

/** What only the text encoder service configures (the rest: refiners.mesh.MeshConfig and ModelConfig). */
@ConfigMapping(prefix = "refiners.text-encoder")
public interface TextEncoderConfig {
    /** Most prompts one Encode call may carry. */
    @WithDefault("16")
    int maxPrompts();

    /** Prompt embeddings kept for reuse (236 KB each), least recently used out first; 0: none. */
    @WithDefault("128")
    int promptCache();

    /**
     * CLIPImageEncoderH's weights (image prompts): a refiners-format file, a transformers CLIPVisionModelWithProjection
     * (folder or model.safetensors, as IP-Adapter ships models/image_encoder), or "detinit"; empty: EncodeImage is refused.
     */
    Optional<String> imageEncoderWeights();
}
