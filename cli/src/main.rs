fn main() {
    eprintln!("mongodb-aws: not implemented yet");
    std::process::exit(2)
}
