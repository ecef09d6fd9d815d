import ts from 'typescript';

/** Why a file could not be edited: the generator stops and names what it expected. */
export class SourceEditError extends Error {}

/**
 * Adds `element` at the end of the array literal assigned to the exported const `variable`
 * (e.g. `export const opsReaderTools = [...]`), keeping the file's own formatting.
 */
export function appendToExportedArray(source: string, fileName: string, variable: string, element: string): string {
  const literal = initializerOf(source, fileName, variable, ts.isArrayLiteralExpression);
  const insertAt = literal.elements.end;
  const separator = literal.elements.length === 0 ? '' : ', ';
  return `${source.slice(0, insertAt)}${separator}${element}${source.slice(insertAt)}`;
}

/** Adds a property at the end of the object literal assigned to the exported const `variable`. */
export function appendToExportedObject(source: string, fileName: string, variable: string, property: string): string {
  const literal = initializerOf(source, fileName, variable, ts.isObjectLiteralExpression);
  const last = literal.properties[literal.properties.length - 1];
  if (!last) throw new SourceEditError(`${fileName}: ${variable} is empty; add the first entry by hand`);
  const indentation = /\n([ \t]*)[^\n]*$/.exec(source.slice(0, last.getStart(parse(source, fileName))))?.[1] ?? '  ';
  const comma = source.slice(last.end).trimStart().startsWith(',') ? '' : ',';
  const afterLast = comma ? last.end : source.indexOf(',', last.end) + 1;
  return `${source.slice(0, afterLast)}${comma}\n${indentation}${property},${source.slice(afterLast)}`;
}

/** Adds an import after the file's last import (named imports, from a module). */
export function addNamedImport(source: string, fileName: string, name: string, from: string): string {
  const file = parse(source, fileName);
  const imports = file.statements.filter(ts.isImportDeclaration);
  const line = `import { ${name} } from '${from}';\n`;
  const last = imports[imports.length - 1];
  if (!last) return line + source;
  const end = source.indexOf('\n', last.end) + 1;
  return `${source.slice(0, end)}${line}${source.slice(end)}`;
}

function initializerOf<T extends ts.Expression>(source: string, fileName: string, variable: string, isKind: (node: ts.Node) => node is T): T {
  for (const statement of parse(source, fileName).statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (!statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== variable || !declaration.initializer) continue;
      let initializer: ts.Expression = declaration.initializer;
      while (ts.isAsExpression(initializer) || ts.isSatisfiesExpression(initializer)) initializer = initializer.expression;
      if (isKind(initializer)) return initializer;
    }
  }
  throw new SourceEditError(`${fileName}: expected \`export const ${variable} = ...\` (a literal the generator can extend)`);
}

function parse(source: string, fileName: string): ts.SourceFile {
  return ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
}
