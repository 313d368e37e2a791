// Starts `stackc lsp` for stack files; every feature is the server's.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

async function activate(context) {
  const command = vscode.workspace.getConfiguration("stackc").get("path") || "stackc";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "stackc",
    "stackc",
    { run: server, debug: server },
    {
      documentSelector: [
        { scheme: "file", language: "stackc" },
        { scheme: "untitled", language: "stackc" },
      ],
    },
  );
  context.subscriptions.push(client);
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
