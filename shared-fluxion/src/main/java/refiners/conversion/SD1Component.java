package refiners.conversion;

import java.util.List;

/**
 * The three models of Stable Diffusion 1.x and where each lives in every weights layout: its file in a refiners
 * folder, its subfolder and files in a diffusers folder, its key prefix and key table in a single-file CompVis
 * checkpoint, its detinit seed. Loading one model reads only its own tensors. An inpainting checkpoint (e.g.
 * sd-v1-5-inpainting) has the same layouts; its UNet has 9 input channels and its own detinit seed.
 */
public enum SD1Component {
    TEXT_ENCODER("text encoder", "text_encoder.safetensors", "text_encoder", List.of("model.safetensors", "model.fp16.safetensors"),
            "clip_text_l.transformers", null, "cond_stage_model.transformer.", "clip_text_l.compvis", 3),
    UNET("unet", "unet.safetensors", "unet", List.of("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"),
            "sd1_unet.diffusers", null, "model.diffusion_model.", "sd1_unet.compvis", 4),
    AUTOENCODER("autoencoder", "autoencoder.safetensors", "vae", List.of("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"),
            "sd1_autoencoder.diffusers", "sd1_autoencoder.diffusers.aliases", "first_stage_model.", "sd1_autoencoder.compvis", 5),
    INPAINTING_UNET("inpainting unet", "unet.safetensors", "unet", List.of("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"),
            "sd1_unet.diffusers", null, "model.diffusion_model.", "sd1_unet.compvis", 14);

    /** The models of a text-to-image checkpoint. */
    public static final List<SD1Component> TEXT_TO_IMAGE = List.of(TEXT_ENCODER, UNET, AUTOENCODER);

    /** For messages and reports. */
    public final String label;
    /** File name in a refiners-format folder (what the convert command writes). */
    public final String refinersFile;
    final String diffusersFolder;
    final List<String> diffusersFiles;
    final String diffusersTable;
    final String diffusersAliases;
    final String compvisPrefix;
    final String compvisTable;
    /** The oracle's detinit seed for this model (full-size stand-in weights). */
    public final long detinitSeed;

    SD1Component(String label, String refinersFile, String diffusersFolder, List<String> diffusersFiles, String diffusersTable,
                 String diffusersAliases, String compvisPrefix, String compvisTable, long detinitSeed) {
        this.label = label;
        this.refinersFile = refinersFile;
        this.diffusersFolder = diffusersFolder;
        this.diffusersFiles = diffusersFiles;
        this.diffusersTable = diffusersTable;
        this.diffusersAliases = diffusersAliases;
        this.compvisPrefix = compvisPrefix;
        this.compvisTable = compvisTable;
        this.detinitSeed = detinitSeed;
    }

    ModuleMap diffusersMap() {
        ModuleMap m = ModuleMap.load(diffusersTable);
        return diffusersAliases == null ? m : m.withAliases(diffusersAliases);
    }
}
