/**
 * Editing the `remotes` of `.mv/config.yaml` and `.mv/config.local.yaml` in place: comments and the
 * order of other settings are kept, as a person editing the file would keep them.
 */
import { Document, isMap, parseDocument } from 'yaml';

export type RemoteEntry = Record<string, string | number | boolean>;

export interface RemoteEdit {
  name: string;
  /** The entry to write, or undefined to remove it. */
  entry: RemoteEntry | undefined;
  /** Set `remote:` to this name (true), clear it when it names this remote (false), or leave it. */
  makeDefault?: boolean;
}

export function editRemotes(text: string | undefined, edit: RemoteEdit): string {
  let doc: Document = parseDocument(text ?? '', { version: '1.2' });
  if (!isMap(doc.contents)) doc = new Document({}, { version: '1.2' });
  if (edit.entry) {
    doc.setIn(['remotes', edit.name], doc.createNode(edit.entry));
  } else if (doc.hasIn(['remotes', edit.name])) {
    doc.deleteIn(['remotes', edit.name]);
  }
  const remotes = doc.get('remotes', true);
  if (isMap(remotes)) remotes.flow = remotes.items.length === 0;
  if (edit.makeDefault === true) doc.set('remote', edit.name);
  else if (edit.makeDefault === false && doc.get('remote') === edit.name) doc.delete('remote');
  return doc.toString({ lineWidth: 0 });
}
