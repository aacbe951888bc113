/**
 * CLIP's vision tower, as refiners' {@code clip/image_encoder.py}: a ViT whose layers have their own names and
 * printouts (its {@link refiners.foundationals.clip.image.TransformerLayer} is not causal and uses exact GeLU, unlike the
 * text encoder's), hence a package of its own. Uses the text side's {@code PositionalEncoder} and {@code FeedForward}.
 */
package refiners.foundationals.clip.image;
