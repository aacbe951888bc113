package refiners.launch;

/** The four processes of the mesh: module directory and the environment variables holding each one's port and host. */
public enum MeshService {
    TEXT_ENCODER("text-encoder-svc", "TEXT_ENCODER_PORT", "TEXT_ENCODER_HOST"),
    UNET("unet-svc", "UNET_PORT", "UNET_HOST"),
    VAE("vae-svc", "VAE_PORT", "VAE_HOST"),
    ORCHESTRATOR("orchestrator", "ORCHESTRATOR_PORT", null);

    public final String module;
    public final String portVariable;
    /** Where the orchestrator finds this stage (null: the orchestrator itself). */
    public final String hostVariable;

    MeshService(String module, String portVariable, String hostVariable) {
        this.module = module;
        this.portVariable = portVariable;
        this.hostVariable = hostVariable;
    }
}
