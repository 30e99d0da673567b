// The roofline that `forge profile` draws (the result's `plot`, an SVG) in a webview beside the source, one panel
// reused for every profile so that a new profile replaces the picture instead of piling up tabs.
import * as vscode from 'vscode';

export class RooflineView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  show(functionName: string, svg: string): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('forge.roofline', '', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        enableScripts: false,
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    this.panel.title = `Roofline: ${functionName}`;
    // The SVG comes from forge itself, but it is still put in an <img> as a data URI: no markup of it runs in the page.
    const data = `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
    this.panel.webview.html = `<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline';">
<style>body { background: white; margin: 12px; } img { max-width: 100%; height: auto; }</style>
</head><body><img id="forge-roofline" alt="roofline of ${escapeHtml(functionName)}" src="${data}"></body></html>`;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
