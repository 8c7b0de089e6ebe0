// The one entry to @peculiar/x509: it needs reflect-metadata loaded before it is evaluated
// (ECOSYSTEM.md trap 7), and ES modules evaluate imports in order, so every phasewire module
// imports the library through this file.
import 'reflect-metadata';

export * from '@peculiar/x509';
