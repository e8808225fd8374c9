import '../../components/theme.css';
import './options.css';
import { mountPage } from '../../components/mount-page.js';
import { OptionsApp } from './options-app.js';

mountPage('optionsTitle', () => <OptionsApp />);
