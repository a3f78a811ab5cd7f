fn main() {
    minijinja_embed::embed_templates!("../frontend/templates");
}
