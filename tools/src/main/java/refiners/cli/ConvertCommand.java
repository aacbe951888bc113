package refiners.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.conversion.Checkpoints;
import refiners.conversion.SD1Component;
import refiners.conversion.SDXLComponent;
import refiners.conversion.SDXLConversion;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Int8WeightsFile;
import refiners.fluxion.compile.NchwcCache;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.runtime.OrtRuntime;
import refiners.fluxion.layers.Module;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.DoubleTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLAutoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;
import refiners.options.Args;

/** convert: an SD 1.x or SDXL checkpoint (diffusers folder or single file) to refiners-format files, one per model. */
final class ConvertCommand {
    static final String USAGE = """
            convert --input PATH --output DIR [--dtype keep|f32|f16] [--inpainting] [--nchwc auto|none|8|16|8,16] [--quantize none|int8]
              PATH: a diffusers folder (unet/, text_encoder/, vae/; SDXL: and text_encoder_2/) or a single-file SD 1.x
              or SDXL .safetensors checkpoint (--inpainting: an SD 1.x inpainting one, e.g. sd-v1-5-inpainting, whose
              UNet has 9 input channels); with --dtype f32 or f16, also a refiners folder (to change its dtype).
              Writes DIR/text_encoder.safetensors, DIR/unet.safetensors, DIR/autoencoder.safetensors (refiners keys)
              and reports the keys mapped and dropped per model. Pickle files (.ckpt, .bin, .pt) are refused.
              --nchwc: also the float32 convolution weights in ONNX Runtime's blocked layout for that channel block
              (auto, the default: this CPU's, 16 with AVX-512, 8 with AVX2), in DIR/FILE.nchwc-bB/, which services
              on CPUs of that block map instead of computing a copy in their cache at start.
              --quantize int8: also the UNet's int8 weights (DIR/unet.int8.safetensors), which the opt-in int8 UNet
              (REFINERS_UNET_QUANTIZATION=int8) maps instead of quantizing in memory at start.""";

    private ConvertCommand() {}

    static int run(String[] argv) throws java.io.IOException {
        Args a = new Args(argv, List.of("inpainting"), List.of("input", "output", "dtype", "nchwc", "quantize"));
        Path in = Path.of(a.get("input", ""));
        Path out = Path.of(a.get("output", ""));
        if (a.get("input", "").isBlank() || a.get("output", "").isBlank()) throw new IllegalArgumentException("convert needs --input and --output");
        String dtype = a.get("dtype", "keep");
        if (!List.of("keep", "f32", "f16").contains(dtype)) throw new IllegalArgumentException("--dtype must be keep, f32 or f16");
        List<Integer> blocks = blocks(a.get("nchwc", "auto")); // checked before the long conversion
        boolean int8 = int8(a.get("quantize", "none"));
        if (Checkpoints.detect(in) == Checkpoints.Format.REFINERS_FOLDER && dtype.equals("keep"))
            throw new IllegalArgumentException(in + " is already in refiners format (give --dtype f32 or f16 to change its dtype)");
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize()))
            throw new IllegalArgumentException("--output must differ from --input (the input's files are read while the output is written)");
        List<String> files = new java.util.ArrayList<>();
        Chain unet;
        if (SDXLConversion.isSdxl(in)) {
            if (a.flag("inpainting")) throw new IllegalArgumentException("--inpainting: SDXL inpainting checkpoints are not supported");
            convertSdxl(new SDXLWeights(in), out, dtype);
            for (SDXLComponent part : SDXLComponent.values()) files.add(part.refinersFile);
            unet = new SDXLUNet(4);
        } else {
            convertSd1(new SD1Weights(in), a.flag("inpainting"), out, dtype);
            for (SD1Component part : SD1Component.TEXT_TO_IMAGE) files.add(part.refinersFile);
            unet = new SD1UNet(a.flag("inpainting") ? 9 : 4);
        }
        if (int8) {
            Path written = Int8WeightsFile.writeBeside(unet, out.resolve(SD1Component.UNET.refinersFile));
            System.out.printf("  %s: %.1f MiB of int8 UNet weights%n", written.getFileName(), Files.size(written) / 1048576.0);
        }
        for (int block : blocks)
            for (String file : files) {
                long bytes = NchwcCache.writeBeside(out.resolve(file), block);
                if (bytes > 0) System.out.printf("  %s.nchwc-b%d: %.1f MiB of blocked convolution weights%n", file, block, bytes / 1048576.0);
            }
        System.out.println("wrote " + out + " (load it with --weights " + out + " or REFINERS_WEIGHTS=" + out + ")");
        return 0;
    }

    private static void convertSd1(SD1Weights weights, boolean inpainting, Path out, String dtype) {
        System.out.println(weights.describe());
        Map<SD1Component, Module> models = Map.of(SD1Component.TEXT_ENCODER, new CLIPTextEncoderL(), SD1Component.UNET, new SD1UNet(inpainting ? 9 : 4),
                SD1Component.AUTOENCODER, new SD1Autoencoder());
        for (SD1Component part : SD1Component.TEXT_TO_IMAGE) {
            Module m = models.get(part);
            SD1Component source = inpainting && part == SD1Component.UNET ? SD1Component.INPAINTING_UNET : part;
            write(out.resolve(part.refinersFile), weights.stateDict(source, m.className(), m.stateDictShapes()), dtype);
        }
    }

    private static void convertSdxl(SDXLWeights weights, Path out, String dtype) {
        System.out.println(weights.describe());
        Map<SDXLComponent, Module> models = Map.of(SDXLComponent.TEXT_ENCODER, new DoubleTextEncoder(), SDXLComponent.UNET, new SDXLUNet(4),
                SDXLComponent.AUTOENCODER, new SDXLAutoencoder());
        for (SDXLComponent part : SDXLComponent.values()) {
            Module m = models.get(part);
            write(out.resolve(part.refinersFile), weights.stateDict(part, m.className(), m.stateDictShapes()), dtype);
        }
    }

    /** Whether to write the UNet's int8 weights. */
    static boolean int8(String spec) {
        if (!spec.equals("none") && !spec.equals("int8")) throw new IllegalArgumentException("--quantize must be none or int8, not " + spec);
        return spec.equals("int8");
    }

    /** The channel blocks to write blocked copies for. */
    static List<Integer> blocks(String spec) {
        if (spec.equals("none")) return List.of();
        if (spec.equals("auto")) return OrtRuntime.nchwcBlockSize() > 0 ? List.of(OrtRuntime.nchwcBlockSize()) : List.of();
        List<Integer> blocks = new java.util.ArrayList<>();
        for (String b : spec.split(",")) {
            if (!b.trim().equals("8") && !b.trim().equals("16")) throw new IllegalArgumentException("--nchwc must be auto, none, 8, 16 or 8,16, not " + spec);
            blocks.add(Integer.parseInt(b.trim()));
        }
        return blocks;
    }

    private static void write(Path file, Map<String, Tensor> tensors, String dtype) {
        Map<String, SafeTensorsWriter.Entry> entries = new LinkedHashMap<>();
        tensors.forEach((k, t) -> {
            DType target = !t.dtype().isFloatingPoint() ? t.dtype() : switch (dtype) {
                case "f32" -> DType.F32;
                case "f16" -> DType.F16;
                default -> t.dtype();
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
