package refiners.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.conversion.Checkpoints;
import refiners.conversion.SD1Conversion;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/** convert: an SD 1.x checkpoint (diffusers folder or CompVis single file) to refiners-format files, one per model. */
final class ConvertCommand {
    static final String USAGE = """
            convert --input PATH --output DIR [--dtype keep|f32|f16]
              PATH: a diffusers folder (unet/, text_encoder/, vae/) or a single-file SD 1.x .safetensors checkpoint.
              Writes DIR/text_encoder.safetensors, DIR/unet.safetensors, DIR/autoencoder.safetensors (refiners keys)
              and prints a key-coverage report. Pickle files (.ckpt, .bin, .pt) are refused.""";

    private ConvertCommand() {}

    static int run(String[] argv) {
        Args a = new Args(argv, List.of());
        a.allow(List.of("input", "output", "dtype"));
        Path in = Path.of(a.get("input", ""));
        Path out = Path.of(a.get("output", ""));
        if (a.get("input", "").isBlank() || a.get("output", "").isBlank()) throw new IllegalArgumentException("convert needs --input and --output");
        String dtype = a.get("dtype", "keep");
        Checkpoints.Format format = Checkpoints.detect(in);
        CLIPTextEncoderL clip = new CLIPTextEncoderL();
        SD1UNet unet = new SD1UNet(4);
        SD1Autoencoder lda = new SD1Autoencoder();
        SD1Conversion.Converted c = switch (format) {
            case DIFFUSERS_FOLDER -> SD1Conversion.diffusersFolder(in, clip.stateDictShapes(), unet.stateDictShapes(), lda.stateDictShapes());
            case COMPVIS_FILE -> SD1Conversion.compvisFile(in, clip.stateDictShapes(), unet.stateDictShapes(), lda.stateDictShapes());
            case REFINERS_FOLDER -> throw new IllegalArgumentException(in + " is already in refiners format");
        };
        System.out.println(format + " " + in + "\n" + c.report());
        write(out.resolve(SD1Models.TEXT_ENCODER_FILE), c.textEncoder(), dtype);
        write(out.resolve(SD1Models.UNET_FILE), c.unet(), dtype);
        write(out.resolve(SD1Models.AUTOENCODER_FILE), c.autoencoder(), dtype);
        System.out.println("wrote " + out + " (load it with --weights " + out + " or REFINERS_WEIGHTS=" + out + ")");
        return 0;
    }

    private static void write(Path file, Map<String, Tensor> tensors, String dtype) {
        Map<String, SafeTensorsWriter.Entry> entries = new LinkedHashMap<>();
        tensors.forEach((k, t) -> {
            DType target = switch (dtype) {
                case "keep" -> t.dtype();
                case "f32" -> DType.F32;
                case "f16" -> DType.F16;
                default -> throw new IllegalArgumentException("--dtype must be keep, f32 or f16");
            };
            entries.put(k, new SafeTensorsWriter.Entry(target, t.shape(), () -> t.to(target)));
        });
        SafeTensorsWriter.writeLazily(file, entries, Map.of("format", "refiners", "converted_by", "refiners-java"));
        try {
            System.out.printf("  %s: %d tensors, %.1f MiB%n", file.getFileName(), tensors.size(), Files.size(file) / 1048576.0);
        } catch (java.io.IOException e) {
            // size is informational
        }
    }
}
