package refiners.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import refiners.conversion.LcmLoraLayout;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ControlnetLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.mesh.GenerateRequests;
import refiners.pipeline.InProcessPipeline;
import refiners.proto.orchestrator.v1.GenerateRequest;

/**
 * The same generation in this JVM, the peer whose pixels the end-to-end tests' meshes must give bit for bit, built once
 * for all of them: its sessions (full-size models) compile once per JVM instead of once per test class. Its
 * configuration, and the files the shared mesh loads beside its weights: the LoRA directory (style.safetensors,
 * {@link MeshIT#styleLora}, and lcm.safetensors, an LCM-LoRA), the detinit inpainting UNet, the ControlNet directory (edges.safetensors, a detinit
 * ControlNet), the detinit image encoder and the IP-Adapter directory ({@link ImagePromptIT#ipAdapterDir}).
 */
final class InProcessPeer {
    /**
     * The sessions the peer (and the shared mesh's services) keep: every graph the end-to-end tests ask for (UNet
     * variants by adapter set, LoRA slots, guidance and latent size; the encoders, the VAE), so that none compiles twice.
     * With the default 4 they were evicted between a class's own generations: each reference-only generation compiled
     * its UNet (9,000 nodes, about 20 s) again.
     */
    static final int SESSIONS = 32;
    private static InProcessPipeline pipeline;
    private static boolean written;

    private InProcessPeer() {}

    /** The LoRA directory, written on first use in this JVM. */
    static Path loraDir() throws Exception {
        return files().resolve("loras");
    }

    /** The ControlNet directory, written on first use in this JVM. */
    static Path controlnetDir() throws Exception {
        return files().resolve("controlnets");
    }

    /** The IP-Adapter directory, written on first use in this JVM. */
    static Path ipAdapterDir() throws Exception {
        return files().resolve("ip-adapters");
    }

    private static synchronized Path files() throws Exception {
        Path root = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
        Path work = root.resolve("tools/target/mesh-files");
        if (!written) {
            Path loras = Files.createDirectories(work.resolve("loras"));
            SafeTensorsWriter.write(loras.resolve("style.safetensors"), MeshIT.styleLora());
            // an LCM-LoRA in the published layout (3x3 convolutions too), rank 8
            SafeTensorsWriter.write(loras.resolve("lcm.safetensors"), LcmLoraLayout.detinit(new SD1UNet(4).stateDictShapes(), 8, 8, 64));
            Path edges = Files.createDirectories(work.resolve("controlnets")).resolve("edges.safetensors");
            Files.deleteIfExists(edges);
            Files.createLink(edges, ControlnetLibrary.detinitFile()); // linked, not copied
            ImagePromptIT.ipAdapterDir(work.resolve("ip-adapters"));
            written = true;
        }
        return work;
    }

    /** The pixels of {@code request} generated in this JVM (as the mesh's: its wire floats included). */
    static int[] pixels(GenerateRequest request) {
        var result = load().generate(GenerateRequests.toGenerationRequest(request, Long.MAX_VALUE), ProgressListener.NONE);
        return MeshIT.pixels(Images.toPng(result.image()));
    }

    /**
     * The peer, built on first use (no session compiles yet): a mesh's start calls it first, so that the detinit weight
     * files (models, inpainting UNet, ControlNet) are written once, before the processes map them.
     */
    static synchronized InProcessPipeline load() {
        if (pipeline == null) {
            try {
                pipeline = new InProcessPipeline(SD1Weights.detinit(), Optional.of(loraDir().toString()), Optional.of(SD1Weights.DETINIT),
                        Optional.of(controlnetDir().toString()), Optional.of(SD1Weights.DETINIT), Optional.of(ipAdapterDir().toString()),
                        new Runner(RuntimeConfig.defaults().withSessionCacheSize(SESSIONS)));
            } catch (Exception e) {
                throw new IllegalStateException("the in-process peer", e);
            }
        }
        return pipeline;
    }
}
