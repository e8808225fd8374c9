import '../../components/theme.css';
import './welcome.css';
import { mountPage } from '../../components/mount-page.js';
import { WelcomeApp } from './welcome-app.js';

mountPage('welcomeTitle', () => <WelcomeApp />);
