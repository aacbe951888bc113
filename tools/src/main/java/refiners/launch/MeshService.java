package refiners.launch;

/** The four processes of the mesh: module directory and the environment variable holding each one's port. */
public enum MeshService {
    TEXT_ENCODER("text-encoder-svc", "TEXT_ENCODER_PORT"),
    UNET("unet-svc", "UNET_PORT"),
    VAE("vae-svc", "VAE_PORT"),
    ORCHESTRATOR("orchestrator", "ORCHESTRATOR_PORT");

    public final String module;
    public final String portVariable;

    MeshService(String module, String portVariable) {
        this.module = module;
        this.portVariable = portVariable;
    }
}
