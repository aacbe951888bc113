/**
 * Image prompts, as refiners' {@code latent_diffusion/image_prompt.py}: IP-Adapter (arXiv:2308.06721). A CLIP image
 * embedding is projected to a few context tokens ({@link refiners.foundationals.latent_diffusion.image_prompt.ImageProjection},
 * or the Plus variant's {@link refiners.foundationals.latent_diffusion.image_prompt.PerceiverResampler} over the
 * penultimate hidden states), and every UNet cross-attention gains a decoupled image branch
 * ({@link refiners.foundationals.latent_diffusion.image_prompt.CrossAttentionAdapter}).
 */
package refiners.foundationals.latent_diffusion.image_prompt;
