use super::format_source;

#[test]
fn probe() {
    let cases = [
        "a { b; c }\n",
        "// top\n\n\nnode 1 /* inline */ 2 // eol\n/- gone 1\nn2 /-x=1 y\nn3 /-{ a } { b }\n",
        "a \"bare-able\" \"t3.small\" #\"raw\"# +5 1E+05 007.5 0xFF\n",
        "a {} /* c */\nb\n",
        "a {\n    // before close\n}\n",
        "n key /* c */ = 1\n",
        "n \\ // esc\n  x\n",
        "n (t)1 ( u )2 (\"a b\")x\n",
        "   a   {  // open\n  b   \n\n\n   c\n\n  }   // close\n",
    ];
    for src in cases {
        match format_source(src) {
            Ok(out) => {
                let again = format_source(&out).unwrap();
                println!(
                    "=== IN\n{src}--- OUT\n{out}--- idempotent {}\n",
                    again == out
                );
            }
            Err(e) => println!(
                "=== IN\n{src}--- ERR {:?}\n",
                e.diagnostics
                    .iter()
                    .map(|d| d.message.clone())
                    .collect::<Vec<_>>()
            ),
        }
    }
}
