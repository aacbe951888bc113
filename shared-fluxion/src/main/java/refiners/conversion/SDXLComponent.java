package refiners.conversion;

import java.util.List;

/**
 * The three models of Stable Diffusion XL and where each lives in every weights layout: its file in a refiners folder,
 * its subfolders, files and key tables in a diffusers folder (the DoubleTextEncoder reads two: text_encoder/ is CLIP-L,
 * text_encoder_2/ OpenCLIP-G), its key prefixes and table in a single-file SGM checkpoint (sd_xl_base_1.0.safetensors),
 * its detinit seed. The autoencoder has SD1's architecture and keys, so it uses SD1's tables.
 */
public enum SDXLComponent {
    TEXT_ENCODER("text encoder", "text_encoder.safetensors",
            List.of(new DiffusersPart("text_encoder", Names.MODEL, "sdxl_text_encoder_l.transformers"),
                    new DiffusersPart("text_encoder_2", Names.MODEL, "sdxl_text_encoder_g.transformers")),
            List.of("conditioner.embedders.0.", "conditioner.embedders.1."), "sdxl_text_encoder.sgm", 30),
    UNET("unet", "unet.safetensors", List.of(new DiffusersPart("unet", Names.DIFFUSION, "sdxl_unet.diffusers")),
            List.of("model.diffusion_model."), "sdxl_unet.sgm", 31),
    AUTOENCODER("autoencoder", "autoencoder.safetensors", List.of(new DiffusersPart("vae", Names.DIFFUSION, "sd1_autoencoder.diffusers")),
            List.of("first_stage_model."), "sd1_autoencoder.compvis", 32);

    /** One subfolder of a diffusers folder: its candidate files (full precision first) and its key table. */
    record DiffusersPart(String folder, List<String> files, String table) {
        ModuleMap map() {
            ModuleMap m = ModuleMap.load(table);
            return table.equals("sd1_autoencoder.diffusers") ? m.withAliases("sd1_autoencoder.diffusers.aliases") : m;
        }
    }

    private static final class Names {
        static final List<String> MODEL = List.of("model.safetensors", "model.fp16.safetensors");
        static final List<String> DIFFUSION = List.of("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors");
    }

    /** For messages and reports. */
    public final String label;
    /** File name in a refiners-format folder (what the convert command writes). */
    public final String refinersFile;
    final List<DiffusersPart> diffusers;
    final List<String> singleFilePrefixes;
    final String singleFileTable;
    /** The detinit seed for this model (text encoder and UNet: the oracle's sdxl-text-encoder and sdxl-unet seeds). */
    public final long detinitSeed;

    SDXLComponent(String label, String refinersFile, List<DiffusersPart> diffusers, List<String> singleFilePrefixes, String singleFileTable, long detinitSeed) {
        this.label = label;
        this.refinersFile = refinersFile;
        this.diffusers = diffusers;
        this.singleFilePrefixes = singleFilePrefixes;
        this.singleFileTable = singleFileTable;
        this.detinitSeed = detinitSeed;
    }

    boolean ownsSingleFileKey(String key) {
        for (String p : singleFilePrefixes) if (key.startsWith(p)) return true;
        return false;
    }
}
