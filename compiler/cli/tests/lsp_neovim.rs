//! `stackc lsp` with a real client: headless Neovim (Debian's `neovim`,
//! whose built-in LSP client is `vim.lsp`) runs the built binary on a copy
//! of the goldcar example, and a Lua script writes what came back through
//! the client (diagnostics, a completion, a definition, the diagnostics
//! after an edit in the buffer) to a JSON file this test reads.
//!
//! Neovim must be installed (`./scripts/test` installs it): without it the
//! test fails rather than passing unseen.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

const SCRIPT: &str = r#"
local env = vim.fn.json_decode(os.getenv("STACKC_LSP_TEST"))
local out = {}
vim.cmd("edit " .. vim.fn.fnameescape(env.file))
local buf = vim.api.nvim_get_current_buf()
local published = {}
local id = vim.lsp.start_client({
  name = "stackc",
  cmd = { env.stackc, "lsp" },
  root_dir = vim.fn.fnamemodify(env.file, ":h"),
  handlers = {
    ["textDocument/publishDiagnostics"] = function(_, result)
      table.insert(published, result)
    end,
  },
})
vim.lsp.buf_attach_client(buf, id)
local client = vim.lsp.get_client_by_id(id)
local function wait_for(n)
  return vim.wait(30000, function() return #published >= n end, 20)
end
out.diagnostics_arrived = wait_for(1)
out.diagnostics = (published[1] or {}).diagnostics
local function at(line, character)
  return {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line, character = character },
  }
end
local completion = client.request_sync("textDocument/completion", at(env.on[1], env.on[2]), 10000, buf)
out.completion = completion and completion.result
local definition = client.request_sync("textDocument/definition", at(env.on[1], env.on[2] + 1), 10000, buf)
out.definition = definition and definition.result
-- An edit in the buffer reaches the server (didChange) and is checked again.
vim.api.nvim_buf_set_lines(buf, env.fix[1], env.fix[1] + 1, false, { env.fix[2] })
out.edit_checked = wait_for(2)
out.after_edit = (published[#published] or {}).diagnostics
local f = io.open(env.out, "w")
f:write(vim.fn.json_encode(out))
f:close()
vim.lsp.stop_client(id)
vim.cmd("qa!")
"#;

/// The 0-based line and column of `needle` in `text`, plus `shift`.
fn line_col(text: &str, needle: &str, shift: usize) -> (usize, usize) {
    let at = text.find(needle).unwrap() + shift;
    let before = &text[..at];
    let line = before.matches('\n').count();
    (line, at - before.rfind('\n').map_or(0, |i| i + 1))
}

#[test]
fn neovim_reads_diagnostics_a_completion_and_a_definition() {
    let dir: PathBuf = std::env::temp_dir().join(format!("stackc-lsp-nvim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/goldcar");
    common::copy_dir(&example, &dir);
    let file = dir.join("stack.kdl");
    let good = std::fs::read_to_string(&file).unwrap();
    // A recipe the cookbook does not have: unknown_recipe, with a fix.
    let bad = good.replace("configure goldcar::vhosts", "configure goldcar::vhost");
    std::fs::write(&file, &bad).unwrap();
    let (fix_line, _) = line_col(&bad, "configure goldcar::vhost", 0);
    let fixed_line = good.lines().nth(fix_line).unwrap();
    let (on_line, on_col) = line_col(&bad, "on web", 3);
    let out = dir.join("out.json");
    let script = dir.join("test.lua");
    std::fs::write(&script, SCRIPT).unwrap();
    let env = serde_json::json!({
        "stackc": env!("CARGO_BIN_EXE_stackc"),
        "file": file,
        "out": out,
        "on": [on_line, on_col],
        "fix": [fix_line, fixed_line],
    });

    let mut nvim = match Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-S"])
        .arg(&script)
        .env("STACKC_LSP_TEST", env.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => panic!(
            "cannot run nvim ({e}): this test needs Neovim; install it with `apt-get install neovim` (./scripts/test does)"
        ),
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = nvim.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = nvim.kill();
            panic!("nvim did not finish within 2 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    use std::io::Read as _;
    let _ = nvim.stderr.take().unwrap().read_to_string(&mut stderr);
    assert!(status.success(), "nvim failed: {status}\n{stderr}");
    let got: Value = serde_json::from_str(
        &std::fs::read_to_string(&out)
            .unwrap_or_else(|e| panic!("nvim wrote no result ({e}): {stderr}")),
    )
    .unwrap();

    // The diagnostics `stackc check` gives, through the client.
    assert_eq!(got["diagnostics_arrived"], true, "{got}");
    let diags = got["diagnostics"].as_array().expect("diagnostics");
    let unknown = diags
        .iter()
        .find(|d| d["code"] == "stackc::unknown_recipe")
        .unwrap_or_else(|| panic!("no unknown_recipe in {got}"));
    assert_eq!(unknown["severity"], 1);
    assert_eq!(unknown["range"]["start"]["line"], fix_line);
    assert!(unknown["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `goldcar::vhosts`?"));
    let check = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(["--message-format", "json", "check"])
        .arg(&file)
        .output()
        .unwrap();
    let check: Vec<Value> = String::from_utf8(check.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &Value| v.get("code").is_some())
        .collect();
    let codes = |list: &[Value]| -> Vec<String> {
        list.iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes(diags), codes(&check));
    for (lsp, cli) in diags.iter().zip(&check) {
        assert_eq!(
            lsp["range"]["start"]["line"].as_u64().unwrap() + 1,
            cli["line"].as_u64().unwrap()
        );
        assert_eq!(
            lsp["range"]["start"]["character"].as_u64().unwrap() + 1,
            cli["column"].as_u64().unwrap()
        );
    }

    // Completion after `on `: the other layers.
    let items = got["completion"]
        .as_array()
        .or_else(|| got["completion"]["items"].as_array())
        .unwrap_or_else(|| panic!("no completion in {got}"));
    let labels: Vec<&str> = items.iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["web", "reports"]);

    // The definition of `web` in `on web`: the web layer's name.
    let (web_line, web_col) = line_col(&bad, "layer web type", 6);
    let def = &got["definition"];
    let def = if def.is_array() { &def[0] } else { def };
    assert!(
        def["uri"].as_str().unwrap().ends_with("/stack.kdl"),
        "{got}"
    );
    assert_eq!(def["range"]["start"]["line"], web_line);
    assert_eq!(def["range"]["start"]["character"], web_col);

    // The fix typed into the buffer clears the error.
    assert_eq!(got["edit_checked"], true, "{got}");
    let after = got["after_edit"].as_array().cloned().unwrap_or_default();
    assert!(after.iter().all(|d| d["severity"] == 2), "{got}");
    let _ = std::fs::remove_dir_all(&dir);
}
